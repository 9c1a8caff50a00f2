import type { Model } from 'mongoose';
import type { Models } from '../../models';
import { renderMarkdown, RENDERER_VERSION } from '../markdown/render';

/**
 * Re-cooks every stored Markdown whose renderer version is older than the current one:
 * thread bodies, replies and staff signatures. Streams with a cursor and writes in
 * batches, each update conditional on the version it read (a post edited meanwhile is
 * already current and is left alone). Safe to stop and run again.
 */
export interface RebakeCounts {
  threads: number;
  replies: number;
  signatures: number;
}

const BATCH = 200;

export async function rebake(
  models: Pick<Models, 'Thread' | 'Reply' | 'User'>,
  log: (line: string) => void = () => {},
): Promise<RebakeCounts> {
  const { Thread, Reply, User } = models;
  const threads = await rebakeCollection(
    Thread as unknown as Model<Record<string, unknown>>,
    'threads',
    'bodySource',
    'bodyHtml',
    'rendererVersion',
    log,
  );
  const replies = await rebakeCollection(
    Reply as unknown as Model<Record<string, unknown>>,
    'replies',
    'bodySource',
    'bodyHtml',
    'rendererVersion',
    log,
  );
  const signatures = await rebakeCollection(
    User as unknown as Model<Record<string, unknown>>,
    'signatures',
    'signature',
    'signatureHtml',
    'signatureRendererVersion',
    log,
    {
      signature: { $ne: null },
    },
  );
  log(`rebake done: ${threads} threads, ${replies} replies, ${signatures} signatures re-rendered (renderer v${RENDERER_VERSION})`);
  return { threads, replies, signatures };
}

async function rebakeCollection(
  model: Model<Record<string, unknown>>,
  label: string,
  sourceField: string,
  htmlField: string,
  versionField: string,
  log: (line: string) => void,
  extra: Record<string, unknown> = {},
): Promise<number> {
  const filter = { ...extra, $or: [{ [versionField]: { $lt: RENDERER_VERSION } }, { [versionField]: null }] };
  const total = await model.countDocuments(filter);
  if (!total) {
    log(`${label}: up to date`);
    return 0;
  }
  log(`${label}: ${total} to re-render`);
  const cursor = model
    .find(filter, { [sourceField]: 1, [versionField]: 1 })
    .lean()
    .cursor({ batchSize: BATCH });
  let batch: Parameters<typeof model.bulkWrite>[0] = [];
  let done = 0;
  const flush = async () => {
    if (!batch.length) return;
    await model.bulkWrite(batch, { ordered: false });
    done += batch.length;
    batch = [];
    log(`${label}: ${done}/${total}`);
  };
  for await (const doc of cursor) {
    const source = doc[sourceField];
    if (typeof source !== 'string') continue;
    batch.push({
      updateOne: {
        filter: { _id: doc._id, [versionField]: doc[versionField] ?? null },
        update: { $set: { [htmlField]: renderMarkdown(source), [versionField]: RENDERER_VERSION } },
      },
    });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return done;
}
