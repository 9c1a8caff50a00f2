import { Types } from 'mongoose';
import type { Models } from '../../models';
import type { RevealGrantOutcome } from '../../models/reveal-grant';
import type { AuditLog } from '../audit';
import { isStaff, type Actor } from '../kernel/actor';
import type { Clock } from '../kernel/clock';
import { NotFoundError } from '../kernel/errors';
import type { SecretBox } from './crypto';
import * as policy from './policy';
import { openField, type RevealOutcome, type StoredSecureField } from './secure-fields';

/**
 * Revealing a secure field (issue 18 item 12).
 *
 * The JSON API answers the value to the POST (`reveal`). A browser must not be left on a POST
 * page holding a secret: Back would offer to resubmit it and reload would reveal (and audit)
 * again. So the page flow is POST-redirect-GET with a server-side grant:
 *   POST  grantReveal: access check, decrypt to learn the outcome, the audit entry (for a
 *         successful reveal, before anything is shown), then a grant {reader, conversation,
 *         field, outcome} valid for GRANT_MS; the response is a 303 to the conversation page.
 *         No secret and no token goes in the URL: the grant is found by reader and conversation.
 *   GET   takeReveals: the page takes (deletes) the reader's grants for that conversation and
 *         decrypts those values for this one rendering. Reload, Back and Forward then show the
 *         masked form again, without a new reveal and without a new audit entry.
 * A grant never holds the value; one not used within GRANT_MS is ignored and later removed by
 * the TTL index.
 */
export const GRANT_MS = 2 * 60_000;

export interface RevealDeps {
  models: Pick<Models, 'Message' | 'RevealGrant'>;
  clock: Clock;
  audit: AuditLog;
  box: () => SecretBox;
  /** The conversation if the actor may read it (else 404), with the access facts. */
  loadReadable(
    actor: Actor | null,
    conversationId: string,
    now: Date,
  ): Promise<{ c: { _id: Types.ObjectId }; facts: policy.ConversationFacts }>;
}

/** What one page view shows in clear: values by field id, and the reasons others could not be. */
export interface TakenReveals {
  revealed: Record<string, string>;
  errors: Record<string, 'expired' | 'cannot_decrypt'>;
}

const MAX_GRANTS_PER_VIEW = 20;

/** A message moderation took out of view is shown only to staff and its author (server/messages/views.ts). */
const hiddenFrom = (actor: Actor, m: { authorId: Types.ObjectId; visibility?: unknown }): boolean =>
  !!m.visibility && !isStaff(actor) && String(m.authorId) !== actor.id;

export function createReveals(deps: RevealDeps) {
  const { clock, audit } = deps;
  const { Message, RevealGrant } = deps.models;

  async function findField(actor: Actor | null, conversationId: string, fieldId: string, now: Date) {
    const { c, facts } = await deps.loadReadable(actor, conversationId, now);
    if (!policy.canReveal(actor, facts)) throw new NotFoundError('That conversation does not exist.');
    const m = await Message.findOne({ conversationId: c._id, 'fields.fieldId': fieldId }, { fields: 1, authorId: 1, visibility: 1 }).lean();
    const field = (m?.fields as unknown as StoredSecureField[] | undefined)?.find((f) => f.fieldId === fieldId);
    if (!m || !field || hiddenFrom(actor!, m)) throw new NotFoundError('That secure field does not exist.');
    return { c, messageId: m._id, field };
  }

  async function audited(actor: Actor, conversationId: Types.ObjectId, messageId: Types.ObjectId, fieldId: string, now: Date) {
    await audit.record({ actor, action: 'reveal_secure_field', conversationId, messageId, fieldId, at: now });
  }

  /** The JSON API: the value in the response. Audited (before returning) when it is shown. */
  async function reveal(actor: Actor | null, input: { conversationId: string; fieldId: string }): Promise<RevealOutcome> {
    const now = clock.now();
    const { c, messageId, field } = await findField(actor, input.conversationId, input.fieldId, now);
    const outcome = openField(deps.box(), String(messageId), field, now);
    if (outcome.ok) await audited(actor!, c._id, messageId, field.fieldId, now);
    return outcome;
  }

  /** The page's POST: audits a successful reveal and leaves a grant for the next page view. */
  async function grantReveal(
    actor: Actor | null,
    input: { conversationId: string; fieldId: string },
  ): Promise<{ conversationId: string; fieldId: string; outcome: RevealGrantOutcome }> {
    const now = clock.now();
    const { c, messageId, field } = await findField(actor, input.conversationId, input.fieldId, now);
    const opened = openField(deps.box(), String(messageId), field, now);
    const outcome: RevealGrantOutcome = opened.ok ? 'ok' : opened.reason;
    if (opened.ok) await audited(actor!, c._id, messageId, field.fieldId, now);
    await RevealGrant.create({
      userId: new Types.ObjectId(actor!.id),
      conversationId: c._id,
      messageId,
      fieldId: field.fieldId,
      outcome,
      createdAt: now,
      expiresAt: new Date(now.getTime() + GRANT_MS),
    });
    return { conversationId: input.conversationId, fieldId: field.fieldId, outcome };
  }

  /**
   * The page's GET: takes the reader's live grants for this conversation (each deleted as it
   * is taken, so two page views never both show it) and decrypts those fields for this view.
   */
  async function takeReveals(actor: Actor | null, conversationId: string): Promise<TakenReveals> {
    const out: TakenReveals = { revealed: {}, errors: {} };
    if (!actor) return out;
    const now = clock.now();
    const { c } = await deps.loadReadable(actor, conversationId, now);
    const filter = { userId: new Types.ObjectId(actor.id), conversationId: c._id };
    for (let i = 0; i < MAX_GRANTS_PER_VIEW; i++) {
      const grant = await RevealGrant.findOneAndDelete(filter).lean();
      if (!grant) break;
      if (grant.expiresAt.getTime() <= now.getTime()) continue;
      if (grant.outcome !== 'ok') {
        out.errors[grant.fieldId] = grant.outcome;
        continue;
      }
      const m = await Message.findOne({ _id: grant.messageId, conversationId: c._id }, { fields: 1, authorId: 1, visibility: 1 }).lean();
      // Hidden by moderation since the POST: as if it were gone.
      const field =
        m && !hiddenFrom(actor, m) ? (m.fields as unknown as StoredSecureField[]).find((f) => f.fieldId === grant.fieldId) : undefined;
      // Expired or purged since the POST: the page says so, the value stays hidden.
      const opened: RevealOutcome = field ? openField(deps.box(), String(grant.messageId), field, now) : { ok: false, reason: 'expired' };
      if (opened.ok) out.revealed[grant.fieldId] = opened.value;
      else out.errors[grant.fieldId] = opened.reason;
    }
    return out;
  }

  return { reveal, grantReveal, takeReveals };
}
