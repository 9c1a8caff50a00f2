import { UnprocessableError } from '../kernel/errors';
import { findSensitive, highlightSensitive, removeSensitive, type SensitiveMatch } from './guard';

export const SENSITIVE_POST_MESSAGE =
  'This post looks like it contains private information (highlighted below). Remove it, or send it privately to support: ' +
  'public posts can be read by anyone.';

/**
 * Call before publishing a question or reply: `guardPublicPost(body)` or, for a question,
 * `guardPublicPost({ title, body })`. Throws a 422 `sensitive_data` error whose details carry
 * what the form needs to offer the two choices (views/messages/guard-panel.ejs):
 * - `matches`: [{field: 'title'|'body', kind, label, start, end}] (offsets into that field),
 * - `withoutSecrets` / `titleWithoutSecrets`: the text with each match replaced by "[removed]",
 * - `highlighted` / `highlightedTitle`: escaped HTML with <mark> around each match.
 */
export function guardPublicPost(post: string | { title?: string; body: string }): void {
  const { title = '', body } = typeof post === 'string' ? { body: post } : post;
  const inTitle = findSensitive(title);
  const inBody = findSensitive(body);
  if (inTitle.length === 0 && inBody.length === 0) return;
  const shape =
    (field: 'title' | 'body') =>
    ({ kind, label, start, end }: SensitiveMatch) => ({ field, kind, label, start, end });
  throw new UnprocessableError('sensitive_data', SENSITIVE_POST_MESSAGE, {
    matches: [...inTitle.map(shape('title')), ...inBody.map(shape('body'))],
    withoutSecrets: removeSensitive(body, inBody),
    highlighted: highlightSensitive(body, inBody),
    ...(title ? { titleWithoutSecrets: removeSensitive(title, inTitle), highlightedTitle: highlightSensitive(title, inTitle) } : {}),
  });
}
