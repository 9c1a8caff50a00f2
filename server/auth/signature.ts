import { renderMarkdown } from '../markdown/render';
import type { Role } from '../kernel/actor';
import { supportPolicyText, type SupportRules } from '../calendar';

/** Longest signature source a moderator may store. */
export const SIGNATURE_MAX = 2000;

const MARKDOWN_SPECIAL = /[\\`*_{}[\]()#+\-.!<>|~]/g;

/**
 * The signature a moderator signs with until they write their own: their name, the team,
 * and the support policy in the words members see in every staff reply, from the rules in
 * force (server/calendar/rules.ts supportPolicyText).
 */
export function defaultSignatureFor(user: { displayName: string }, rules: SupportRules): string {
  const name = user.displayName.replace(MARKDOWN_SPECIAL, '\\$&');
  const policy = supportPolicyText(rules);
  return [name, 'Community Support', policy.hours, policy.response, policy.lock].join('\n');
}

/**
 * The cooked signature to show under a reply: a staff member's own (stored HTML), else the
 * default one, cooked once per name and rules by `cookDefault` (the caller's cache). Members
 * have no signature (null).
 */
export function signatureHtmlFor(
  user: { displayName: string; role: Role | string; signatureHtml?: string | null },
  cookDefault: (displayName: string) => string,
): string | null {
  if (user.role !== 'moderator' && user.role !== 'admin') return null;
  if (user.signatureHtml) return user.signatureHtml;
  return cookDefault(user.displayName);
}

/** The default signature of `displayName` as HTML. */
export const cookDefaultSignature = (displayName: string, rules: SupportRules): string =>
  renderMarkdown(defaultSignatureFor({ displayName }, rules));
