import { BIDI_CONTROLS, CONTROL } from './characters';
import type { ContentProblem } from './problems';

/**
 * Shared normalisation of short single-line text (display names, titles).
 *
 * - NFC (Unicode Standard Annex #15): the form the web and most input methods produce, so
 *   "é" typed two ways is stored and compared one way.
 * - Invisible formatting characters are removed: every Default_Ignorable_Code_Point (soft
 *   hyphen, zero-width space, word joiner, BOM, Hangul fillers...), except those that change
 *   how visible text is drawn: ZWJ and ZWNJ (emoji sequences, Persian and Indic words), LRM,
 *   RLM and ALM (right-to-left names), variation selectors (emoji presentation), and tag
 *   characters inside an emoji tag sequence (subdivision flags).
 * - Runs of whitespace (including no-break and ideographic spaces) become one space; the ends
 *   are trimmed.
 * Bidi embeddings/overrides/isolates and control characters are not removed but reported: the
 * member should see that what they pasted contained them.
 */
// eslint-disable-next-line no-misleading-character-class -- joiners and variation selectors are listed on purpose
const KEPT_FORMAT = /[\u200C\u200D\u200E\u200F\u061C\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u;
// An emoji tag sequence (kept whole) or one default-ignorable character (kept or removed).
const IGNORABLE_OR_TAG_SEQUENCE = /(\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F})|\p{Default_Ignorable_Code_Point}/gu;

/** NFC, invisible formatting removed, whitespace collapsed and trimmed (see above). */
export function normalizeLine(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(IGNORABLE_OR_TAG_SEQUENCE, (c, tagSequence?: string) => (tagSequence || KEPT_FORMAT.test(c) || BIDI_CONTROLS.test(c) ? c : ''))
    .replace(/\p{White_Space}+/gu, ' ')
    .trim();
}

/** Problems common to names and titles: bidi controls and control characters. */
export function characterProblems(raw: string, field: string, label: string): ContentProblem[] {
  const problems: ContentProblem[] = [];
  if (BIDI_CONTROLS.test(raw)) {
    problems.push({
      field,
      code: 'bidi_control',
      message: `${label}: remove the text-direction control characters (such as U+202E RIGHT-TO-LEFT OVERRIDE); they reorder the text around them.`,
    });
  }
  if (CONTROL.test(raw)) {
    problems.push({ field, code: 'control_character', message: `${label}: remove line breaks, tabs and other control characters.` });
  }
  return problems;
}
