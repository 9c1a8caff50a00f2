/**
 * Character classes shared by the content rules (names, titles) and the Markdown visibility
 * check. Unicode properties are those of the Unicode Character Database as built into the
 * JavaScript engine (Node 20: ICU 73, Unicode 15.0).
 */

/**
 * Characters that render as nothing on their own: Default_Ignorable_Code_Point (soft hyphen,
 * zero-width space/joiners, word joiner, BOM, Hangul fillers, variation selectors, tag
 * characters...; Unicode's definition, UAX #44), White_Space, controls (Cc), format
 * characters (Cf: bidi controls among them), lone surrogates (Cs), unassigned code points (Cn),
 * and graphic characters that draw blank in common fonts: U+2800 BRAILLE PATTERN BLANK,
 * U+1D159 MUSICAL SYMBOL NULL NOTEHEAD and the musical formatting controls U+1D173-1D17A.
 */
export const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{White_Space}\p{Cc}\p{Cf}\p{Cs}\p{Cn}\u2800\u{1D159}\u{1D173}-\u{1D17A}]/gu;

/** A character that can be seen: a letter, number, punctuation or symbol (combining marks alone do not count). */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/gu;

/**
 * Explicit bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069; UAX #9).
 * They reorder the text around them (the "RLO" trick that shows "exe.txt" as "txt.exe") and
 * have no place in a name or a title. The implicit marks LRM, RLM and ALM are allowed: they
 * only settle the direction of neutral characters in right-to-left names.
 */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/u;

/** C0 and C1 controls (Cc): tabs, line breaks, escape, NUL... */
export const CONTROL = /\p{Cc}/u;

/** The text without the characters that render as nothing. */
function withoutInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** Whether anything in the text can be seen. */
export function hasVisibleCharacter(text: string): boolean {
  return VISIBLE.test(withoutInvisible(text));
}

/** Number of letters and digits (any script) that are not invisible fillers. */
export function countLettersAndDigits(text: string): number {
  return withoutInvisible(text).match(LETTER_OR_DIGIT)?.length ?? 0;
}
