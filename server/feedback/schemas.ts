import { z } from 'zod';
import { objectIdString } from '../kernel/validate';

/**
 * Input shapes. The JSON API is strict about types (`{"helpful": "yes"}`, `{"score": "5"}`,
 * `{"score": {"$gt": 0}}` are 400s); the HTML forms send strings and have their own schemas.
 */
export const COMMENT_MAX = 1000;

const comment = z
  .string()
  .max(COMMENT_MAX)
  .optional()
  .transform((s) => (s ?? '').trim());

export const helpfulJson = z.strictObject({ helpful: z.boolean() });
export const satisfactionJson = z.strictObject({
  score: z.number().int().min(1).max(5),
  comment,
});

/** Forms also carry `_csrf` and `return` (the page to go back to). */
export const helpfulForm = z.object({ helpful: z.enum(['yes', 'no']).transform((v) => v === 'yes') });
export const satisfactionForm = z.object({
  score: z.enum(['1', '2', '3', '4', '5']).transform(Number),
  comment,
});

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s && s >= '2000-01-01' && s <= '2999-12-31';
  }, 'is not a valid date');

/** Dashboard filters from a query string; empty fields mean "the default". */
const emptyToUndefined = (v: unknown) => (v === '' ? undefined : v);
export const reportQuery = z
  .object({
    from: z.preprocess(emptyToUndefined, day.optional()),
    to: z.preprocess(emptyToUndefined, day.optional()),
    product: z.preprocess(emptyToUndefined, objectIdString.optional()),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be after "to"', path: ['from'] });

export type ReportQuery = z.infer<typeof reportQuery>;
