import sanitizeHtml from 'sanitize-html';
import { hasVisibleCharacter } from '../content-rules/characters';
import { ValidationError } from '../kernel/errors';
import type { MarkdownRenderer } from './bounded-renderer';
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
  /**
   * An image the forum shows (an uploaded screenshot) is enough without words: a reply or a
   * private message may be only "here it is". A question still has to be asked in words.
   */
  imageIsEnough?: boolean;
}

/** Whether the cooked HTML shows an uploaded image (its thumbnail, server/markdown/images.ts). */
function showsImage(cookedHtml: string): boolean {
  return /<img\s[^>]*\bsrc="\/uploads\/[0-9a-f]{24}\/thumb"/i.test(cookedHtml);
}

/** "Body: write your question in words; it contains no visible text." */
export function noVisibleTextMessage({ label, what }: Pick<VisibleTextField, 'label' | 'what'>): string {
  return `${label}: write your ${what} in words; it contains no visible text.`;
}

/** Whether a reader sees something of the cooked HTML for this field: text, or an image where `imageIsEnough`. */
export function hasVisibleContent(cookedHtml: string, field: Pick<VisibleTextField, 'imageIsEnough'>): boolean {
  return hasVisibleText(cookedHtml) || (!!field.imageIsEnough && showsImage(cookedHtml));
}

/**
 * Throws a 400 ValidationError naming the field when the cooked HTML shows nothing (no text,
 * nor an image where `imageIsEnough`); call it with the HTML the service is about to store
 * (renderMarkdown's output), before storing.
 */

export function requireVisibleText(cookedHtml: string, field: VisibleTextField = { field: 'body', label: 'Body', what: 'question' }): void {
  if (hasVisibleContent(cookedHtml, field)) return;
  const message = noVisibleTextMessage(field);
  throw new ValidationError(message, { [field.field]: message });
}

/**
 * Renders a member's Markdown for storing and refuses it when a reader would see nothing:
 * `await renderVisible(renderer, source, { field: 'body', label: 'Body', what: 'reply' })`
 * resolves to the cooked HTML. Errors: the renderer's (400 MarkdownTooComplexError naming the
 * field, 429 when its queue is full, 503 while shutting down) and requireVisibleText's 400.
 */
export async function renderVisible(renderer: MarkdownRenderer, source: string, field: VisibleTextField): Promise<string> {
  const html = await renderer.render(source, { field: field.field, label: field.label });
  requireVisibleText(html, field);
  return html;
}
