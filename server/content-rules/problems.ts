/**
 * A problem with one field of user input, for the service to turn into a 400 ValidationError:
 * `throw new ValidationError(problems[0].message, fieldMessages(problems))`. `message` is a
 * complete sentence that starts with the field's label ("Display name: ..."), so it reads well
 * both next to the input and as the page's one-line summary.
 */
export interface ContentProblem {
  /** The form field ("displayName", "username", "title"). */
  field: string;
  code: ContentProblemCode;
  message: string;
  /** For impersonation: the staff name or reserved word matched (for logs and moderators). */
  matched?: string;
}

export type ContentProblemCode =
  'blank' | 'bidi_control' | 'control_character' | 'no_letters' | 'too_few_letters' | 'too_long' | 'too_many_marks' | 'impersonation';

/** field -> first message for that field, the shape ValidationError takes. */
export function fieldMessages(problems: readonly ContentProblem[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const p of problems) fields[p.field] ??= p.message;
  return fields;
}
