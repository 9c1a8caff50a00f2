import type { Model } from 'mongoose';
import type { MarkdownRenderer } from './bounded-renderer';
import { RENDERER_VERSION } from './render';

/**
 * Re-cooking stored Markdown after a renderer change (CLI `rebake`), for any collection that
 * keeps a source field, its HTML and the renderer version that made it. The domains that own
 * the documents call it (threads: questions, replies, signatures; messages: private messages).
 *
 * Documents older than RENDERER_VERSION (or without a version) are streamed with a cursor and
 * written in batches of BATCH, each update conditional on the version it read, so a post
 * edited meanwhile (already current) is left alone; safe to stop and run again. One document
 * the renderer refuses (too complex for the time budget, or marked failing on it) is reported
 * by id and left as it was: it never stops the others.
 */
export interface RebakeSpec {
  /** For progress lines: "threads", "replies", "messages"... */
  label: string;
  sourceField: string;
  htmlField: string;
  versionField: string;
  /** Extra conditions on the documents to consider (e.g. `{ signature: { $ne: null } }`). */
  filter?: Record<string, unknown>;
}

export interface RebakeFailure {
  label: string;
  id: string;
  reason: string;
}

export interface RebakeResult {
  /** Documents re-rendered and written. */
  done: number;
  failed: RebakeFailure[];
}

const BATCH = 200;
/** Renders in flight at once: enough to keep the workers busy, well under their queue bound. */
const IN_FLIGHT = 8;

export async function rebakeCollection(
  model: Model<Record<string, unknown>>,
  spec: RebakeSpec,
  renderer: MarkdownRenderer,
  log: (line: string) => void = () => {},
): Promise<RebakeResult> {
  const { label, sourceField, htmlField, versionField } = spec;
  const filter = { ...(spec.filter ?? {}), $or: [{ [versionField]: { $lt: RENDERER_VERSION } }, { [versionField]: null }] };
  const failed: RebakeFailure[] = [];
  const total = await model.countDocuments(filter);
  if (!total) {
    log(`${label}: up to date`);
    return { done: 0, failed };
  }
  log(`${label}: ${total} to re-render`);
  const cursor = model
    .find(filter, { [sourceField]: 1, [versionField]: 1 })
    .lean()
    .cursor({ batchSize: BATCH });
  let docs: Array<Record<string, unknown>> = [];
  let done = 0;
  const flush = async () => {
    if (!docs.length) return;
    const writes: Parameters<typeof model.bulkWrite>[0] = [];
    for (let i = 0; i < docs.length; i += IN_FLIGHT) {
      const slice = docs.slice(i, i + IN_FLIGHT);
      const outcomes = await Promise.allSettled(slice.map((d) => renderSource(d[sourceField], renderer)));
      outcomes.forEach((o, k) => {
        const doc = slice[k]!;
        if (o.status === 'fulfilled') {
          writes.push({
            updateOne: {
              filter: { _id: doc._id, [versionField]: doc[versionField] ?? null },
              update: { $set: { [htmlField]: o.value, [versionField]: RENDERER_VERSION } },
            },
          });
        } else {
          const reason = o.reason instanceof Error ? o.reason.message : String(o.reason);
          failed.push({ label, id: String(doc._id), reason });
          log(`${label}: ${String(doc._id)} could not be re-rendered (${reason}); left as it was`);
        }
      });
    }
    if (writes.length) await model.bulkWrite(writes, { ordered: false });
    done += writes.length;
    docs = [];
    log(`${label}: ${done + failed.filter((f) => f.label === label).length}/${total}`);
  };
  for await (const doc of cursor) {
    docs.push(doc as Record<string, unknown>);
    if (docs.length >= BATCH) await flush();
  }
  await flush();
  return { done, failed };
}

// A missing or empty source cooks to nothing (a private message made of secure fields only).
async function renderSource(source: unknown, renderer: MarkdownRenderer): Promise<string> {
  if (typeof source !== 'string' || source === '') return '';
  return renderer.render(source);
}
