import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import { MAIL_KINDS, present, type DigestItem, type MailInput, type MailKind, type Presented, type Recipient } from './kinds';
import type { MailLinks } from './links';
import { PROJECT_ROOT } from '../kernel/paths';

/**
 * Renders a mail's subject, text and HTML bodies from the ejs templates in views/mail/
 * (`<kind>.text.ejs`, `<kind>.html.ejs`, wrapped in `layout.text.ejs` / `layout.html.ejs`).
 * HTML templates escape every value with `<%= %>`; the only raw output is the rendered body
 * inside the layout. Templates see only what server/mail/kinds.ts present() hands them.
 * Templates are compiled when the renderer is created, so a broken template stops start-up.
 */
export const MAIL_VIEWS_DIR = path.join(PROJECT_ROOT, 'views/mail');

/** The first line of replyable mail when reply by e-mail is on; inbound stripping cuts at it. */
export const REPLY_MARKER = '## Reply above this line to post your answer in the thread ##';

export interface RenderedMail extends Omit<Presented, 'locals'> {
  text: string;
  html: string;
}

export interface RenderOptions {
  /** URL for List-Unsubscribe and the footer link; null for account mail. */
  unsubscribeUrl: string | null;
  /** Put the reply marker on top (reply by e-mail is on and the kind is replyable). */
  replyMarker: boolean;
}

export interface MailRenderer {
  /**
   * Presents (kinds.ts) and renders. Pure given its inputs.
   * @throws TypeError for an unknown kind or missing fields (before anything is queued).
   */
  present(input: MailInput, recipient: Recipient): Presented;
  render(presented: Presented, options: RenderOptions): RenderedMail;
}

type Template = (locals: Record<string, unknown>) => string;

const DIGEST_LABELS: Record<DigestItem['kind'], [string, string]> = {
  support_reply: ['Support replied', 'Support replied {n} times'],
  watched_reply: ['New reply', '{n} new replies'],
  reply_accepted: ['Your reply was accepted', '{n} of your replies were accepted'],
  watched_accepted: ['An answer was accepted', '{n} answers were accepted'],
  private_message: ['New private message', '{n} new private messages'],
};

function describe(it: { kind: DigestItem['kind']; count: number; label?: readonly [string, string] }): string {
  const [one, many] = DIGEST_LABELS[it.kind as keyof typeof DIGEST_LABELS] ?? it.label ?? ['Update', '{n} updates'];
  return it.count === 1 ? one : many.replace('{n}', String(it.count));
}

export function createMailRenderer(opts: {
  forumName: string;
  links: MailLinks;
  timeZone: string;
  viewsDir?: string;
  lockAfter?: () => string;
}): MailRenderer {
  const dir = opts.viewsDir ?? MAIL_VIEWS_DIR;
  const compile = (name: string): Template => {
    const filename = path.join(dir, name);
    return ejs.compile(fs.readFileSync(filename, 'utf8'), { filename, async: false }) as Template;
  };
  const layouts = { text: compile('layout.text.ejs'), html: compile('layout.html.ejs') };
  const bodies = new Map<MailKind, { text: Template; html: Template }>();
  for (const kind of MAIL_KINDS) bodies.set(kind, { text: compile(`${kind}.text.ejs`), html: compile(`${kind}.html.ejs`) });
  const ctx = { forumName: opts.forumName, links: opts.links, timeZone: opts.timeZone, lockAfter: opts.lockAfter };

  return {
    present: (input, recipient) => present(input, recipient, ctx),
    render(p, { unsubscribeUrl, replyMarker }) {
      const tpl = bodies.get(p.kind);
      if (!tpl) throw new TypeError(`no templates for mail kind "${p.kind}"`);
      const locals = { ...p.locals, describe };
      const layout = {
        forumName: opts.forumName,
        subject: p.subject,
        reason: p.reason,
        unsubscribeUrl,
        preferencesUrl: opts.links.preferences(),
        replyMarker: replyMarker ? REPLY_MARKER : null,
      };
      const text = layouts.text({ ...layout, body: tpl.text(locals) }).replace(/\n{3,}/g, '\n\n');
      const html = layouts.html({ ...layout, body: tpl.html(locals) });
      const { locals: _omit, ...rest } = p;
      return { ...rest, text, html };
    },
  };
}
