import { DateTime } from 'luxon';
import { UsageError, parseFlags, type CliContext, type Command } from './registry';

const FLAGS = new Set(['now', 'dry-run']);

/** An ISO-8601 instant; without an offset it is read in the support desk's zone. */
function parseNow(value: string, zone: string): Date {
  const dt = value === 'true' ? DateTime.invalid('missing') : DateTime.fromISO(value, { zone, setZone: true });
  if (!dt.isValid) {
    throw new UsageError(
      `--now must be an ISO-8601 date and time, e.g. 2026-11-24T16:00:00-05:00 (got "${value === 'true' ? '' : value}")`,
    );
  }
  return dt.toJSDate();
}

/**
 * The reminders and lock notices just queued go out now (as the outbox job would within a
 * minute), so an operator running the sweep by hand sees its mail sent. A dry run sends nothing.
 */
async function sendMail(dryRun: boolean, ctx: CliContext): Promise<void> {
  if (dryRun) return;
  const sent = await ctx.forum.notifications.sendMail();
  const total = sent.sent + sent.retried + sent.failed;
  if (!total) return;
  const extra = [sent.retried ? `${sent.retried} will be retried` : '', sent.failed ? `${sent.failed} failed` : '']
    .filter(Boolean)
    .join(', ');
  ctx.out(`Sent ${sent.sent} e-mail${sent.sent === 1 ? '' : 's'}${extra ? ` (${extra})` : ''}.`);
}

export const lockSweepCommands: Record<string, Command> = {
  'lock-sweep': {
    summary: 'send due close reminders and lock threads past their no-response deadline (as the job does)',
    usage: '[--now <ISO-8601>] [--dry-run]',
    async run(args, ctx) {
      const { flags, positional } = parseFlags(args);
      if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
      const unknown = Object.keys(flags).find((f) => !FLAGS.has(f));
      if (unknown) throw new UsageError(`unknown option --${unknown}`);
      const { calendar } = ctx.forum.rules.current();
      const now = flags.now !== undefined ? parseNow(flags.now, calendar.settings.zone) : ctx.clock.now();
      const dryRun = flags['dry-run'] !== undefined && flags['dry-run'] !== 'false';

      const result = await ctx.forum.support.sweep({ now, dryRun });
      const when = calendar.formatLocal(now);
      for (const t of result.reminded) {
        ctx.out(`${dryRun ? 'would remind' : 'reminded'}  ${t.threadId}  closes ${calendar.formatLocal(t.lockDueAt)}  "${t.title}"`);
      }
      if (result.reminded.length) {
        const r = result.reminded.length;
        ctx.out(`${dryRun ? 'Would send' : 'Sent'} ${r} close reminder${r === 1 ? '' : 's'}.`);
      }
      if (result.skipped === 'closed') {
        ctx.out(`Support is closed at ${when}: nothing was locked (threads are only locked during support hours).`);
        await sendMail(dryRun, ctx);
        return 0;
      }
      for (const t of result.locked) {
        ctx.out(`${dryRun ? 'would lock' : 'locked'}  ${t.threadId}  deadline ${calendar.formatLocal(t.lockDueAt)}  "${t.title}"`);
      }
      const n = result.locked.length;
      const threads = `${n} thread${n === 1 ? '' : 's'}`;
      ctx.out(dryRun ? `Dry run at ${when}: ${threads} would be locked; nothing was changed.` : `Locked ${threads} at ${when}.`);
      await sendMail(dryRun, ctx);
      return 0;
    },
  },
};
