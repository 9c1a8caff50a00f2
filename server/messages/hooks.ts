import { Types } from 'mongoose';
import { Thread } from '../../models/thread';
import { onAskerResponse, toUpdate } from '../support/lifecycle';
import { currentSupportRules } from '../support/settings';
import { invalidateThread } from '../threads/service';

/**
 * Called when the asker of a thread sends a private message in a conversation linked to it:
 * by the support policy that is the asker's response. For now a conditional update that
 * reopens an awaiting_asker thread and clears its lock deadline; the thread lifecycle
 * replaces this body with its own (first-response target, notes).
 *
 * Goes through the driver collection: lockDueAt/awaitingSince belong to the lifecycle and
 * may not be on the thread schema yet (mongoose would silently drop unknown paths).
 */
export async function onAskerResponded(threadId: string, at: Date): Promise<void> {
  // Body owned by the support lifecycle (server/support/lifecycle.ts): the same transition
  // as an asker's reply in the thread, as one conditional update on the awaiting state.
  if (!/^[0-9a-fA-F]{24}$/.test(threadId)) return;
  const change = toUpdate(onAskerResponse(currentSupportRules(), at));
  const res = await Thread.collection.updateOne(
    { _id: new Types.ObjectId(threadId), status: 'awaiting_asker' },
    { ...change, $set: { ...change.$set, updatedAt: at } },
  );
  if (res.modifiedCount) invalidateThread(threadId);
}
