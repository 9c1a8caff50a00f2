import { renderMarkdown } from '../markdown/render';
import type { Role } from '../kernel/actor';

/** Longest signature source a moderator may store. */
export const SIGNATURE_MAX = 2000;

const MARKDOWN_SPECIAL = /[\\`*_{}[\]()#+\-.!<>|~]/g;

/**
 * The signature a moderator signs with until they write their own: their name, the team,
 * and the support policy (support-policy.md) in the words members see in every staff reply.
 */
export function defaultSignatureFor(user: { displayName: string }): string {
  const name = user.displayName.replace(MARKDOWN_SPECIAL, '\\$&');
  return [
    name,
    'Community Support',
    'Support hours: Monday to Friday 7:30 – 17:30 Eastern Time (except US public holidays)',
    'Estimated response time: within 1 business day',
    'If we do not receive a response, the thread will be closed and locked after two business days.',
  ].join('\n');
}

// The default is the same for every reply by the same moderator; cooking it once per
// name keeps pages from running Markdown on every read.
const cookedDefaults = new Map<string, string>();

/**
 * The cooked signature to show under a reply: a staff member's own (stored HTML), else the
 * default one. Members have no signature (null).
 */
export function signatureHtmlFor(user: { displayName: string; role: Role | string; signatureHtml?: string | null }): string | null {
  if (user.role !== 'moderator' && user.role !== 'admin') return null;
  if (user.signatureHtml) return user.signatureHtml;
  let html = cookedDefaults.get(user.displayName);
  if (html === undefined) {
    html = renderMarkdown(defaultSignatureFor(user));
    if (cookedDefaults.size >= 1000) cookedDefaults.clear();
    cookedDefaults.set(user.displayName, html);
  }
  return html;
}
