import { countLettersAndDigits } from './characters';
import type { FieldLabel, CheckedText } from './names';
import { characterProblems, normalizeLine } from './text';

/**
 * Thread titles (issue 18 item 4, issue 15 "the same rules for thread titles"): a title must
 * say something. Lengths stay with the form schema (server/threads/schemas.ts, 10-200).
 */
export const TITLE_MIN_LETTERS_OR_DIGITS = 5;

/**
 * Checks and normalises a title. Problems: blank; bidi_control; control_character;
 * too_few_letters (fewer than TITLE_MIN_LETTERS_OR_DIGITS letters or digits of any script:
 * "??????????", "!!! ... !!!", a title of zero-width spaces).
 */
export function checkTitle(
  raw: unknown,
  { field, label, minLettersOrDigits = TITLE_MIN_LETTERS_OR_DIGITS }: FieldLabel & { minLettersOrDigits?: number } = {
    field: 'title',
    label: 'Title',
  },
): CheckedText {
  const input = typeof raw === 'string' ? raw : '';
  const value = normalizeLine(input);
  const problems = characterProblems(input, field, label);
  if (!value) {
    problems.push({ field, code: 'blank', message: `${label}: write a title.` });
  } else if (countLettersAndDigits(value) < minLettersOrDigits) {
    problems.push({
      field,
      code: 'too_few_letters',
      message: `${label}: use at least ${minLettersOrDigits} letters or digits; a title of only punctuation, symbols or invisible characters says nothing about the question.`,
    });
  }
  return { value, problems };
}
