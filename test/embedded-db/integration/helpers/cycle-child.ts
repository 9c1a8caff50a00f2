/**
 * Run as `node --import tsx cycle-child.ts`: one connect / model / query / disconnect
 * cycle on the embedded server, then nothing. With no leaked handle the process exits
 * by itself; if it does not, the unref'd timer reports what is still open.
 */
import { Schema } from 'mongoose';
import { startTestDatabase } from '../../../../server/db/connect';

const db = await startTestDatabase();
const Note = db.connection.model('CycleNote', new Schema({ text: { type: String, index: true } }));
await Note.init();
await Note.create({ text: 'hello' });
if ((await Note.findOne({ text: 'hello' }).lean())?.text !== 'hello') throw new Error('read back failed');
await db.close();
process.stdout.write('closed\n');
setTimeout(() => process.stdout.write(`still open: ${process.getActiveResourcesInfo().join(', ')}\n`), 3000).unref();
