import { UnprocessableError } from '../kernel/errors';
import { findSensitive, highlightSensitive, removeSensitive, type SensitiveKind, type SensitiveMatch } from './guard';

export const SENSITIVE_POST_MESSAGE =
  'This post looks like it contains private information (highlighted below). Remove it, or send it privately to support: ' +
  'public posts can be read by anyone.';

export const SENSITIVE_IMAGE_MESSAGE =
  'An image in this post looks like it shows private information (boxed below). Blur those areas, send the post privately to ' +
  'support, or post it anyway: public posts can be read by anyone.';

/**
 * Private information found in an image of the post (server/ocr/screenshot-guard.ts finds it,
 * the uploads domain attaches it): which upload, where (a rectangle in the stored image's
 * pixels) and what.
 */
export interface ImageFinding {
  source: 'image';
  uploadId: string;
  box: { x: number; y: number; w: number; h: number };
  kind: SensitiveKind;
  label: string;
}

/**
 * Call before publishing a question or reply: `guardPublicPost(body)` or, for a question,
 * `guardPublicPost({ title, body })`; with `images`, the findings in the post's images too.
 * Throws a 422 `sensitive_data` error when either has any; its details carry what the form
 * needs to offer the choices (views/messages/guard-panel.ejs):
 * - `matches`: text matches `{source: 'text', field: 'title'|'body', kind, label, start, end}`
 *   (offsets into that field), then image matches `{source: 'image', uploadId, box, kind, label}`,
 * - `withoutSecrets` / `titleWithoutSecrets`: the text with each text match replaced by "[removed]",
 * - `highlighted` / `highlightedTitle`: escaped HTML with <mark> around each text match,
 * - whatever `extra` adds (the uploads domain adds the body after blurring, unchecked images).
 */
export function guardPublicPost(
  post: string | { title?: string; body: string },
  images: readonly ImageFinding[] = [],
  extra: Record<string, unknown> = {},
): void {
  const { title = '', body } = typeof post === 'string' ? { body: post } : post;
  const inTitle = findSensitive(title);
  const inBody = findSensitive(body);
  if (inTitle.length === 0 && inBody.length === 0 && images.length === 0) return;
  const shape =
    (field: 'title' | 'body') =>
    ({ kind, label, start, end }: SensitiveMatch) => ({ source: 'text' as const, field, kind, label, start, end });
  const textFound = inTitle.length + inBody.length > 0;
  throw new UnprocessableError('sensitive_data', textFound ? SENSITIVE_POST_MESSAGE : SENSITIVE_IMAGE_MESSAGE, {
    matches: [
      ...inTitle.map(shape('title')),
      ...inBody.map(shape('body')),
      ...images.map(({ uploadId, box, kind, label }) => ({ source: 'image' as const, uploadId, box, kind, label })),
    ],
    withoutSecrets: removeSensitive(body, inBody),
    highlighted: highlightSensitive(body, inBody),
    ...(title ? { titleWithoutSecrets: removeSensitive(title, inTitle), highlightedTitle: highlightSensitive(title, inTitle) } : {}),
    ...extra,
  });
}
