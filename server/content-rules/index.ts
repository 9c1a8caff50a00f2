/**
 * Rules for short text members choose: display names (with the staff-impersonation check)
 * and thread titles. Pure: no database, no HTTP. Each check returns the normalised value and a
 * list of problems; services turn problems into a 400:
 *   const { value, problems } = checkDisplayName(input.displayName);
 *   if (problems.length) throw new ValidationError(problems[0].message, fieldMessages(problems));
 */
export { CONFUSABLES_DATA, confusableKeys, skeleton } from './confusables';
export {
  DISPLAY_NAME_MAX,
  checkDisplayName,
  findImpersonation,
  staffNameIndex,
  type CheckedText,
  type FieldLabel,
  type StaffName,
  type StaffNameIndex,
} from './names';
export { fieldMessages, type ContentProblem, type ContentProblemCode } from './problems';
export { TITLE_MIN_LETTERS_OR_DIGITS, checkTitle } from './titles';
