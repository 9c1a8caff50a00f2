/**
 * Run as `node --import tsx migrate-child.ts <dataDir> <batch>`: opens the engine on a
 * format-1 directory with small migration steps, printing each log line as JSON (one per
 * step), then `{"done": true}`. The crash test kills it halfway.
 */
import { openEngine } from '../../../../server/db/embedded/engine';

const line = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const logger = { info: (o: unknown, msg?: string) => line({ o, msg }), warn: (o: unknown, msg?: string) => line({ o, msg, warn: true }) };
const engine = openEngine({ dataDir: process.argv[2], logger, migration: { batch: Number(process.argv[3]), progressEveryMs: 0 } });
engine.close();
line({ done: true });
