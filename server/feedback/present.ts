import { safeRedirectPath } from '../http/redirect';

/**
 * Words and small formatting for the feedback widget and the dashboard, shared by the
 * views, the no-JS redirect and (as data attributes) public/js/feedback.js.
 */

export const FLASH_KINDS = ['yes', 'no', 'rated', 'unvoted', 'unrated'] as const;
export type FlashKind = (typeof FLASH_KINDS)[number];

export const FEEDBACK_MESSAGES: Record<FlashKind, string> = {
  yes: 'Great! Thanks for your feedback.',
  no: "Sorry this didn't help.",
  rated: 'Thanks for your feedback, it helps us improve the site.',
  unvoted: 'Your vote was removed.',
  unrated: 'Your rating was removed.',
};

export const SATISFACTION_LABELS = [
  'Very dissatisfied',
  'Dissatisfied',
  'Neither satisfied nor dissatisfied',
  'Satisfied',
  'Very satisfied',
];

export { satisfactionAverage } from '../threads';

/** The message to show after a no-JS vote: `?fb=<replyId>:<kind>` on the thread page. */
export interface FeedbackFlash {
  replyId: string;
  kind: FlashKind;
  message: string;
}

export function parseFeedbackFlash(value: unknown): FeedbackFlash | null {
  if (typeof value !== 'string') return null;
  const m = /^([0-9a-f]{24}):([a-z]+)$/.exec(value);
  if (!m || !(FLASH_KINDS as readonly string[]).includes(m[2]!)) return null;
  const kind = m[2] as FlashKind;
  return { replyId: m[1]!, kind, message: FEEDBACK_MESSAGES[kind] };
}

/**
 * Where a no-JS feedback form goes back to: the thread page it came from (keeping its page
 * number), never anywhere else, with the message and the reply's anchor.
 */
export function feedbackReturnUrl(requested: unknown, threadId: string, replyId: string, kind: FlashKind): string {
  let base = `/threads/${threadId}`;
  const target = safeRedirectPath(requested, '');
  if (target) {
    const url = new URL(target, 'http://forum.invalid');
    if (url.pathname === base || url.pathname.startsWith(`${base}/`)) {
      url.searchParams.delete('fb');
      const rest = url.searchParams.toString();
      base = `${url.pathname}${rest ? `?${rest}` : ''}`;
    }
  }
  return `${base}${base.includes('?') ? '&' : '?'}fb=${replyId}:${kind}#reply-${replyId}`;
}

// ---- dashboard formatting ----

export const pct = (rate: number | null): string => (rate === null ? '–' : `${Math.round(rate * 1000) / 10}%`);
export const avg = (value: number | null): string => (value === null ? '–' : value.toFixed(2));
/** Business minutes as business hours, one decimal: "4.5 h". */
export const businessHours = (minutes: number | null): string =>
  minutes === null ? '–' : `${(Math.round((minutes / 60) * 10) / 10).toFixed(1)} h`;
