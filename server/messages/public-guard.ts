import { UnprocessableError } from '../http/errors';
import { findSensitive, highlightSensitive, removeSensitive, type SensitiveKind, type SensitiveMatch } from './guard';
import type { SecureFieldInput } from './secure-fields';
import type { SecureFieldKind } from '../../models/message';

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

const FIELD_KIND: Record<SensitiveKind, SecureFieldKind> = {
  certification_id: 'certification_id',
  access_code: 'access_code',
  email: 'other',
  phone: 'other',
  card_number: 'other',
  product_key: 'other',
};

/**
 * For private messages: every detected value becomes a secure field (encrypted, masked,
 * audited on reveal) and the text keeps a placeholder naming it, so a secret pasted into
 * the body is never stored in the clear.
 */
export function extractSecrets(text: string): { text: string; secrets: SecureFieldInput[] } {
  const matches: SensitiveMatch[] = findSensitive(text);
  if (matches.length === 0) return { text, secrets: [] };
  let out = '';
  let pos = 0;
  const secrets: SecureFieldInput[] = [];
  for (const m of matches) {
    out += `${text.slice(pos, m.start)}[secure field: ${m.label}]`;
    secrets.push({ kind: FIELD_KIND[m.kind], label: m.label, value: text.slice(m.start, m.end) });
    pos = m.end;
  }
  return { text: out + text.slice(pos), secrets };
}
