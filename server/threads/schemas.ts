import { z } from 'zod';
import { THREAD_STATUSES } from '../../models/thread';
import { listPageParam, objectIdString, pageParam, stringList, text } from '../kernel/validate';

/** Input shapes for the thread routes (HTML forms and JSON alike). Strict about types. */

export const TITLE_MIN = 10;
export const TITLE_MAX = 200;
export const BODY_MIN = 10;
export const BODY_MAX = 20_000;

const title = text(TITLE_MIN, TITLE_MAX);
// Bodies keep their leading whitespace (indented code); only the length check trims.
const body = z
  .string()
  .max(BODY_MAX)
  .refine((s) => s.trim().length >= BODY_MIN, { message: `must be at least ${BODY_MIN} characters` })
  .transform((s) => s.replace(/\s+$/, ''));

export const listQuery = z.object({
  status: z
    .enum(THREAD_STATUSES)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  product: z.string().max(100).optional(),
  page: listPageParam,
  /** Keyset cursor of the "Next" link: `<lastActivityAt ms>.<thread id>` of the previous page's last row. */
  after: z
    .string()
    .regex(/^\d{1,15}\.[0-9a-f]{24}$/, 'after must be a cursor from a Next link')
    .optional()
    .or(z.literal('').transform(() => undefined)),
});

export const threadPageQuery = z.object({ page: pageParam });

export const askForm = z.object({
  title,
  body,
  products: stringList(20).pipe(z.array(objectIdString).refine((a) => a.length > 0, { message: 'Choose at least one product.' })),
});

/** The JSON API takes `products` as an array only. */
export const askJson = z.object({
  title,
  body,
  products: z
    .array(objectIdString)
    .max(20)
    .refine((a) => a.length > 0, { message: 'Choose at least one product.' }),
});

export const threadEdit = z
  .object({ title: title.optional(), body: body.optional() })
  .refine((v) => v.title !== undefined || v.body !== undefined, { message: 'Nothing to change.' });

export const replyBody = z.object({ body });

export const acceptBody = z.object({ replyId: objectIdString });

export const lockBody = z.object({ reason: z.string().trim().max(500).default('') });

export const productBody = z.object({ name: text(2, 80) });

export const unlockBody = z.object({ reason: z.string().trim().max(500).default('') });

/** The original thread: its id, or a link to it (the id is taken from the link). */
export const duplicateBody = z.object({
  of: z
    .string()
    .trim()
    .max(500)
    .transform((v) => /[0-9a-fA-F]{24}/.exec(v)?.[0]?.toLowerCase() ?? '')
    .pipe(objectIdString),
  note: z.string().trim().max(500).default(''),
});

/** New products of a thread: a form's checkboxes or a JSON array. */
export const moveBody = z.object({
  products: stringList(20).pipe(z.array(objectIdString).refine((a) => a.length > 0, { message: 'Choose at least one product.' })),
});

export const postTypeParam = z.enum(['thread', 'reply']);
