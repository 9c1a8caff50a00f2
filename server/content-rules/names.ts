import { countLettersAndDigits } from './characters';
import { confusableKeys, confusableWords } from './confusables';
import type { ContentProblem } from './problems';
import { characterProblems, normalizeLine } from './text';

/**
 * Display names (issue 15, "Display names"): what a member is called on every post. The rules
 * keep a name readable, single-line and unmistakable for a staff member's.
 */
export const DISPLAY_NAME_MAX = 40; // user-perceived characters (extended grapheme clusters, UAX #29)
export const DISPLAY_NAME_MAX_UNITS = 120; // UTF-16 code units, a storage bound for long clusters
/** Marks (accents, vowel signs) on one character: Vietnamese uses 2, Tibetan stacks up to 4; "Zalgo" text uses dozens. */
export const MARKS_PER_CHARACTER_MAX = 4;

export interface FieldLabel {
  field: string;
  label: string;
}

export interface CheckedText {
  /** The value to store: NFC, invisible formatting removed, whitespace collapsed and trimmed. */
  value: string;
  /** Empty when the value may be stored. */
  problems: ContentProblem[];
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Checks and normalises a display name. Problems: blank; bidi_control (U+202A-202E,
 * U+2066-2069); control_character (Cc); no_letters (nothing but symbols or invisible
 * characters: at least one letter or digit, any script); too_long (over DISPLAY_NAME_MAX
 * characters); too_many_marks (over MARKS_PER_CHARACTER_MAX marks on one character).
 * Accented, CJK, Arabic and Devanagari names, apostrophes, hyphens and emoji are fine.
 */
export function checkDisplayName(
  raw: unknown,
  { field, label }: FieldLabel = { field: 'displayName', label: 'Display name' },
): CheckedText {
  const input = typeof raw === 'string' ? raw : '';
  const value = normalizeLine(input);
  const problems = characterProblems(input, field, label);
  if (!value) {
    problems.push({ field, code: 'blank', message: `${label}: write a name.` });
    return { value, problems };
  }
  if (countLettersAndDigits(value) === 0) {
    problems.push({
      field,
      code: 'no_letters',
      message: `${label}: use at least one letter or digit; a name of only symbols or invisible characters cannot be told apart from others.`,
    });
  }
  const clusters = [...graphemes.segment(value)].map((s) => s.segment);
  if (clusters.length > DISPLAY_NAME_MAX || value.length > DISPLAY_NAME_MAX_UNITS) {
    problems.push({ field, code: 'too_long', message: `${label}: use at most ${DISPLAY_NAME_MAX} characters.` });
  }
  if (clusters.some((c) => (c.normalize('NFD').match(/[\p{Mn}\p{Me}]/gu)?.length ?? 0) > MARKS_PER_CHARACTER_MAX)) {
    problems.push({
      field,
      code: 'too_many_marks',
      message: `${label}: use at most ${MARKS_PER_CHARACTER_MAX} accents or marks on one character.`,
    });
  }
  return { value, problems };
}

/** A staff member whose names a member may not take (moderators and admins). */
export interface StaffName {
  id: string;
  username: string;
  displayName: string;
}

/**
 * Words no member's name may contain, after confusable folding: they are how the forum names
 * its support team ("Support" signs support's private messages). A name containing one as a
 * word ("Microsoft Support", "Ѕupport") is refused; "Supporter" or "Badminton" are fine.
 */
export const RESERVED_NAME_WORDS: readonly string[] = [
  'support',
  'moderator',
  'moderators',
  'mod',
  'admin',
  'administrator',
  'staff',
  'system',
];

/** A staff name this long (in key characters) is also refused inside a longer name ("Javier Salcedo Official"). */
export const CONTAINED_NAME_MIN = 8;

export interface StaffNameIndex {
  entries: { key: string; staffId: string; shown: string }[];
  reserved: Set<string>;
}

/** Precomputes the keys of the staff's display names and usernames (a handful: cheap to rebuild). */
export function staffNameIndex(staff: readonly StaffName[], reservedWords: readonly string[] = RESERVED_NAME_WORDS): StaffNameIndex {
  const entries: StaffNameIndex['entries'] = [];
  for (const s of staff) {
    for (const name of [s.displayName, s.username]) {
      for (const key of confusableKeys(name)) entries.push({ key, staffId: s.id, shown: s.displayName });
    }
  }
  return { entries, reserved: new Set(reservedWords.flatMap((w) => confusableKeys(w))) };
}

/**
 * Refuses a display name or username that a reader could take for a staff member's: equal to
 * a staff display name or username after confusable folding (NFKC, UTS #39 skeleton, case,
 * spaces and punctuation ignored: "Jаvier Salcedo" with a Cyrillic "а", "javier_salcedo", "JAVIER SALCEDO"),
 * containing one of CONTAINED_NAME_MIN+ characters, or containing a reserved word. `selfId`
 * skips the staff member's own entries (a moderator renaming themselves).
 * Returns the problem, or null.
 */
export function findImpersonation(
  name: string,
  index: StaffNameIndex,
  { field, label, selfId }: FieldLabel & { selfId?: string } = { field: 'displayName', label: 'Display name' },
): ContentProblem | null {
  const keys = confusableKeys(normalizeLine(name));
  if (keys.length === 0) return null;
  for (const e of index.entries) {
    if (e.staffId === selfId) continue;
    if (keys.some((k) => k === e.key || (e.key.length >= CONTAINED_NAME_MIN && k.includes(e.key)))) {
      return {
        field,
        code: 'impersonation',
        matched: e.shown,
        message: `${label}: this looks like the name of ${e.shown}, a member of the support team; choose another.`,
      };
    }
  }
  const words = confusableWords(normalizeLine(name)).flatMap((w) => confusableKeys(w));
  const reserved = [...keys, ...words].find((k) => index.reserved.has(k));
  if (reserved) {
    return {
      field,
      code: 'impersonation',
      matched: reserved,
      message: `${label}: words such as "Support", "Moderator" and "Admin" are kept for the support team; choose another name.`,
    };
  }
  return null;
}
