import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Models } from '../../models';
import type { AuditLog, AuditRow } from '../audit';
import { isAdmin, type Actor } from '../kernel/actor';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../kernel/errors';
import { csvLine } from '../http/csv';

/**
 * The audit log screen (docs/administration.md): entries newest first, filtered by the person
 * who acted (`actor`, a username), the person it was about (`subject`), the action, and a date
 * range (`from`/`to`, calendar dates in the support desk's zone, both included); keyset-paged;
 * and the same selection as CSV. Administrators only.
 */
export const AUDIT_PAGE_SIZE = 50;
/** The CSV holds at most this many rows (newest first); narrow the filter for more. */
export const AUDIT_CSV_MAX = 100_000;
const CSV_BATCH = 1000;

const DATE = /^\d{4}-\d\d-\d\d$/;
export const auditQuery = z.object({
  actor: z.string().trim().max(30).default(''),
  subject: z.string().trim().max(30).default(''),
  action: z
    .string()
    .trim()
    .max(60)
    .regex(/^[a-z_]*$/, 'is not an action name')
    .default(''),
  from: z.string().trim().regex(DATE, 'must be YYYY-MM-DD').or(z.literal('')).default(''),
  to: z.string().trim().regex(DATE, 'must be YYYY-MM-DD').or(z.literal('')).default(''),
  before: z.string().max(60).optional(),
});
export type AuditScreenQuery = z.infer<typeof auditQuery>;

const CSV_HEADER = ['at', 'actor', 'action', 'target_type', 'target_id', 'subject', 'conversation_id', 'message_id', 'field_id', 'reason'];

export function createAuditScreen(deps: { models: Pick<Models, 'User'>; audit: AuditLog; zone: () => string }) {
  const { audit } = deps;
  const { User } = deps.models;

  function requireAdmin(actor: Actor | null): void {
    if (!actor) throw new UnauthorizedError();
    if (!isAdmin(actor)) throw new ForbiddenError('Only administrators can read the audit log.');
  }

  /** A day in the desk's zone as an instant: its start (`from`) or the start of the next day (`to`). */
  function dayStart(date: string, field: 'from' | 'to'): Date {
    const d = DateTime.fromISO(date, { zone: deps.zone() });
    if (!d.isValid) throw new ValidationError(`${field === 'from' ? 'From' : 'To'}: not a date.`, { [field]: 'is not a date' });
    return (field === 'to' ? d.plus({ days: 1 }) : d).startOf('day').toJSDate();
  }

  /** A username to its id; a name nobody has matches nothing (an id no entry carries). */
  async function idOf(username: string): Promise<string | undefined> {
    if (!username) return undefined;
    const u = await User.findOne({ usernameLower: username.toLowerCase() }, { _id: 1 }).lean();
    return u ? String(u._id) : '000000000000000000000000';
  }

  async function filterOf(q: AuditScreenQuery) {
    const from = q.from ? dayStart(q.from, 'from') : undefined;
    const to = q.to ? dayStart(q.to, 'to') : undefined;
    if (from && to && from >= to) throw new ValidationError('The end date is before the start date.', { to: 'is before the start date' });
    return { actorId: await idOf(q.actor), subjectId: await idOf(q.subject), action: q.action || undefined, from, to };
  }

  async function page(
    actor: Actor | null,
    q: AuditScreenQuery,
  ): Promise<{ entries: AuditRow[]; next: string | null; query: AuditScreenQuery }> {
    requireAdmin(actor);
    const result = await audit.search({ ...(await filterOf(q)), before: q.before, limit: AUDIT_PAGE_SIZE });
    return { ...result, query: q };
  }

  /** The selection as CSV lines (header first), read page by page through the same keyset. */
  async function* csv(actor: Actor | null, q: AuditScreenQuery): AsyncGenerator<string> {
    requireAdmin(actor);
    const filter = await filterOf(q);
    yield `${csvLine(CSV_HEADER)}\r\n`;
    let before: string | undefined;
    let rows = 0;
    for (;;) {
      const { entries, next } = await audit.search({ ...filter, before, limit: Math.min(CSV_BATCH, AUDIT_CSV_MAX - rows) });
      let chunk = '';
      for (const e of entries) {
        chunk += `${csvLine([e.at.toISOString(), e.actorUsername, e.action, e.targetType, e.targetId, e.subjectUsername, e.conversationId, e.messageId, e.fieldId, e.reason])}\r\n`;
      }
      if (chunk) yield chunk;
      rows += entries.length;
      if (!next || rows >= AUDIT_CSV_MAX) return;
      before = next;
    }
  }

  return { page, csv };
}

export type AuditScreen = ReturnType<typeof createAuditScreen>;
