import sanitizeHtml from 'sanitize-html';
import { hasVisibleCharacter } from '../content-rules/characters';
import { ValidationError } from '../kernel/errors';
import { decodeSanitizerEntities } from './entities';
import { withoutImageNotes } from './images';
import { TEXT_ONLY_OPTIONS } from './sanitize-policy';

/**
 * Whether a cooked post shows any text (issue 18 item 4): "<b></b><i></i><p></p>", a body of
 * only <script>, only whitespace or only zero-width characters all cook to nothing a reader
 * can see. Text means letters, digits, punctuation or symbols in the text of the HTML;
 * invisible characters (server/content-rules/characters.ts) do not count, nor do images
 * (nor the words the renderer writes about them), rules or empty elements: a question has to
 * be asked in words.
 */
export function hasVisibleText(cookedHtml: string): boolean {
  if (!cookedHtml) return false;
  return hasVisibleCharacter(decodeSanitizerEntities(sanitizeHtml(withoutImageNotes(cookedHtml), TEXT_ONLY_OPTIONS)));
}

export interface VisibleTextField {
  /** Form field the message belongs to ("body", "signature"). */
  field: string;
  /** Its label as the form shows it ("Body", "Signature"). */
  label: string;
  /** What the member is writing ("question", "reply", "message", "signature"). */
  what: string;
}

/** "Body: write your question in words; it contains no visible text." */
export function noVisibleTextMessage({ label, what }: Pick<VisibleTextField, 'label' | 'what'>): string {
  return `${label}: write your ${what} in words; it contains no visible text.`;
}

/**
 * Throws a 400 ValidationError naming the field when the cooked HTML shows no text; call it
 * with the HTML the service is about to store (renderMarkdown's output), before storing.
 */
export function requireVisibleText(cookedHtml: string, field: VisibleTextField = { field: 'body', label: 'Body', what: 'question' }): void {
  if (hasVisibleText(cookedHtml)) return;
  const message = noVisibleTextMessage(field);
  throw new ValidationError(message, { [field.field]: message });
}
