/**
 * Every URL the mail module puts into a message, from the public base URL (PUBLIC_URL) and
 * ids. These paths are contracts with the web routes that serve them (docs/email.md lists
 * which exist today and which the accounts/notifications work adds).
 */
export interface MailLinks {
  thread(threadId: string): string;
  reply(threadId: string, replyId: string): string;
  conversation(conversationId: string): string;
  notifications(): string;
  /** Notification preferences on the account page. */
  preferences(): string;
  /** One-click unsubscribe (RFC 8058: POST here unsubscribes; GET shows a confirmation page). */
  unsubscribe(token: string): string;
  verifyEmail(token: string): string;
  passwordReset(token: string): string;
}

/** The paths links point at; the routes for token links (verify, reset, unsubscribe) are declared with these. */
export const MAIL_PATHS = {
  thread: '/threads/:threadId',
  conversation: '/messages/:id',
  notifications: '/notifications',
  preferences: '/account#notifications',
  unsubscribe: '/unsubscribe/:token',
  verifyEmail: '/verify-email/:token',
  passwordReset: '/password-reset/:token',
} as const;

export function createMailLinks(publicUrl: string): MailLinks {
  const base = publicUrl.replace(/\/+$/, '');
  const seg = (s: string) => encodeURIComponent(s);
  return {
    thread: (threadId) => `${base}/threads/${seg(threadId)}`,
    reply: (threadId, replyId) => `${base}/threads/${seg(threadId)}#reply-${seg(replyId)}`,
    conversation: (id) => `${base}/messages/${seg(id)}`,
    notifications: () => `${base}/notifications`,
    preferences: () => `${base}/account#notifications`,
    unsubscribe: (token) => `${base}/unsubscribe/${seg(token)}`,
    verifyEmail: (token) => `${base}/verify-email/${seg(token)}`,
    passwordReset: (token) => `${base}/password-reset/${seg(token)}`,
  };
}
