import { z } from 'zod';
import { ValidationError } from './errors';
import { isValidObjectId } from 'mongoose';

/**
 * Parse untrusted input with a zod schema. Schemas are strict about types, so an
 * operator object such as {"$ne": ""} where a string is expected is a 400, never a
 * query fragment. Returns the parsed plain object or throws ValidationError with
 * one message per field (for re-rendering the form next to the inputs).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  // reportInput: an issue carries the value it is about, so "missing" and "not a number" differ.
  const result = schema.safeParse(input ?? {}, { reportInput: true });
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length ? issue.path.map(String).join('.') : '_';
    if (!fields[key]) fields[key] = friendlyIssue(issue);
  }
  const first = Object.values(fields)[0] ?? 'Invalid input.';
  throw new ValidationError(first, fields);
}

function friendlyIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length ? String(issue.path[issue.path.length - 1]) : 'input';
  const label = field.charAt(0).toUpperCase() + field.slice(1);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `${label} is required.`;
      return issue.expected === 'number' || issue.expected === 'int' ? `${label} must be a whole number.` : `${label} has the wrong type.`;
    case 'too_small':
      return issue.origin === 'string' ? `${label} must be at least ${issue.minimum} characters.` : `${label} is too small.`;
    case 'too_big':
      return issue.origin === 'string' ? `${label} must be at most ${issue.maximum} characters.` : `${label} is too large.`;
    default:
      return issue.message ? `${label}: ${issue.message}` : `${label} is invalid.`;
  }
}

/** A 24-hex-character ObjectId string. Anything else is a validation error (400), not a 500. */
export const objectIdString = z.string().refine((s) => /^[0-9a-fA-F]{24}$/.test(s) && isValidObjectId(s), { message: 'is not a valid id' });

/** Validate a single id route parameter. Unknown-but-well-formed ids become 404 in the service. */
export function parseId(value: unknown, name = 'id'): string {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{24}$/.test(value)) {
    throw new ValidationError(`The ${name} is not a valid id.`, { [name]: 'is not a valid id' });
  }
  return value.toLowerCase();
}

/** Trimmed string with length bounds; rejects non-strings (objects, arrays, numbers). */
export const text = (min: number, max: number) => z.string().trim().min(min).max(max);

/** Form checkboxes/selects send a string or an array of strings; normalise to an array. */
export const stringList = (max: number) =>
  z.preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(z.string()).max(max));

/**
 * Body of an assignment to a staff member (a thread or a support conversation): `username`,
 * empty or null to unassign. Whether the account exists and is staff is the service's check.
 */
export const assignBody = z.object({
  username: z
    .string()
    .trim()
    .max(30)
    .nullable()
    .default(null)
    .transform((v) => v || null),
});

/** Positive page number from a query string ("2"), default 1, capped. */
export const pageParam = z.coerce.number().int().min(1).max(10_000).default(1);

/**
 * A page number of the thread list, which has a page per 20 threads (50,000 pages at 1M
 * threads; its pager links to the last one). Any page of it costs about the same (an index
 * skip from the nearer end, server/threads/thread-service.ts), so it allows 1,000,000.
 */
export const listPageParam = z.coerce.number().int().min(1).max(1_000_000).default(1);
