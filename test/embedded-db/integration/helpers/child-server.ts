/**
 * Run as `node --import tsx child-server.ts <dataDir>`: starts the embedded server on a
 * random port and prints `{"uri": ...}` on one line. Used by the crash tests.
 */
import { startEmbeddedServer } from '../../../../server/db/embedded/server';

const server = await startEmbeddedServer({ dataDir: process.argv[2] });
process.stdout.write(`${JSON.stringify({ uri: server.uri })}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
