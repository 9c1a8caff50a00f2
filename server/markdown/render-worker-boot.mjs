// Worker entry: Node 20 does not apply the parent's --import loader to a worker's entry
// module, so the TypeScript worker is loaded through tsx's API (tsx runs this project).
import { register } from 'tsx/esm/api';

register();
await import('./render-worker.ts');
