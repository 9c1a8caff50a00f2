import { checkTitle, fieldMessages } from '../content-rules';
import { ValidationError } from '../kernel/errors';
import type { VisibleTextField } from '../markdown/visible';
import { TITLE_MIN } from './schemas';

/**
 * What a question or reply must say before it is stored (issue 18 item 4): a title in words
 * and a body a reader can see. Labels are the forms' own (views/threads/ask.ejs, edit.ejs,
 * thread.ejs), so a message names the field the member sees.
 */
export const QUESTION_BODY: VisibleTextField = { field: 'body', label: 'Details', what: 'question' };
export const REPLY_BODY: VisibleTextField = { field: 'body', label: 'Reply', what: 'reply', imageIsEnough: true };

/**
 * The title to store: NFC, invisible formatting removed, whitespace collapsed
 * (server/content-rules/titles.ts checkTitle). Throws a 400 naming `title` when it says
 * nothing (too few letters or digits, control or bidi characters) or is shorter than
 * TITLE_MIN characters once normalised.
 */
export function checkedTitle(raw: string): string {
  const { value, problems } = checkTitle(raw);
  if (problems.length) throw new ValidationError(problems[0]!.message, fieldMessages(problems));
  if (value.length < TITLE_MIN) {
    const message = `Title: use at least ${TITLE_MIN} characters.`;
    throw new ValidationError(message, { title: message });
  }
  return value;
}
