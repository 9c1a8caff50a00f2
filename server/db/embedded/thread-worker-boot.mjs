// Worker entry from the sources: Node 20 does not apply the parent's --import loader to a
// worker's entry module, so the TypeScript worker is loaded through tsx's API (as
// server/markdown/render-worker-boot.mjs does). build/ runs thread-worker.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./thread-worker.ts');
