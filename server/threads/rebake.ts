import type { Model } from 'mongoose';
import type { Models } from '../../models';
import type { MarkdownRenderer } from '../markdown/bounded-renderer';
import { rebakeCollection, type RebakeFailure } from '../markdown/rebake';

/**
 * Re-cooks the threads domain's stored Markdown made by an older renderer: question bodies,
 * replies and staff signatures (server/markdown/rebake.ts does the streaming, the conditional
 * batched writes and the per-document error handling).
 */
export interface RebakeCounts {
  threads: number;
  replies: number;
  signatures: number;
  /** Documents the renderer refused, left as they were (reported by id). */
  failed: RebakeFailure[];
}

type AnyModel = Model<Record<string, unknown>>;

export async function rebake(
  models: Pick<Models, 'Thread' | 'Reply' | 'User'>,
  renderer: MarkdownRenderer,
  log: (line: string) => void = () => {},
): Promise<RebakeCounts> {
  const post = { sourceField: 'bodySource', htmlField: 'bodyHtml', versionField: 'rendererVersion' };
  const threads = await rebakeCollection(models.Thread as unknown as AnyModel, { label: 'threads', ...post }, renderer, log);
  const replies = await rebakeCollection(models.Reply as unknown as AnyModel, { label: 'replies', ...post }, renderer, log);
  const signatures = await rebakeCollection(
    models.User as unknown as AnyModel,
    {
      label: 'signatures',
      sourceField: 'signature',
      htmlField: 'signatureHtml',
      versionField: 'signatureRendererVersion',
      filter: { signature: { $ne: null } },
    },
    renderer,
    log,
  );
  return {
    threads: threads.done,
    replies: replies.done,
    signatures: signatures.done,
    failed: [...threads.failed, ...replies.failed, ...signatures.failed],
  };
}
