import unhomoglyph from 'unhomoglyph';

/**
 * Confusable detection (Unicode Technical Standard #39, section 4 "Confusable Detection").
 *
 * Data: the Unicode confusables mapping (confusables.txt, version 13.0.0) as shipped by the
 * npm package unhomoglyph 1.0.6 (MIT licence; the data is Unicode's, under the Unicode
 * licence), which maps each character to its prototype ("а" Cyrillic -> "a", "0" -> "O",
 * "m" -> "rn", "I" and "1" and "|" -> "l", mathematical and fullwidth letters to plain ones).
 * Newer Unicode versions mostly add characters of newly encoded scripts; update the package
 * when it publishes newer data.
 *
 * skeleton(X) = NFD(map(NFD(X) without Default_Ignorable_Code_Point characters)), as UTS #39
 * defines it. Two strings are confusable when their skeletons are equal. A skeleton is for
 * comparison only, never for display.
 */
export const CONFUSABLES_DATA = 'Unicode confusables.txt 13.0.0 (npm unhomoglyph 1.0.6)';

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

export function skeleton(text: string): string {
  return unhomoglyph(text.normalize('NFD').replace(DEFAULT_IGNORABLE, '')).normalize('NFD');
}

// Spaces, punctuation and symbols do not tell names apart: "Javier Salcedo", "Javier_Salcedo"
// and "Javier.Salcedo." are the same name to a reader.
const compact = (s: string) => s.replace(/[^\p{L}\p{N}\p{M}]/gu, '');

/**
 * The comparison keys of a name. The name is first put in NFKC (compatibility) form, which
 * confusables.txt leaves out by design: fullwidth "ｒ", ligatures "ﬁ", circled and superscript
 * letters become plain letters. Two names are confusable when they share a key:
 * - skeleton, then lower case, then skeleton again: catches look-alikes that depend on case
 *   ("Iris" with a capital I against "lris" with a small L; the second skeleton maps letters
 *   that lower-casing produced, e.g. "M" -> "m" -> "rn");
 * - lower case, then skeleton: catches the same name in another case ("iris" against "Iris").
 * Both keys drop spaces, punctuation and symbols. An empty key (a name of only punctuation)
 * matches nothing.
 */
export function confusableKeys(name: string): string[] {
  const nfkc = name.normalize('NFKC');
  const keys = new Set([compact(skeleton(skeleton(nfkc).toLowerCase())), compact(skeleton(nfkc.toLowerCase()))]);
  keys.delete('');
  return [...keys];
}

/** The words of a name after skeleton and lower case ("Ѕupport Team" -> ["support", "team"]). */
export function confusableWords(name: string): string[] {
  return skeleton(skeleton(name.normalize('NFKC')).toLowerCase())
    .split(/[^\p{L}\p{N}\p{M}]+/u)
    .filter(Boolean);
}
