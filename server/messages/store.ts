import { Types } from 'mongoose';
import type { Models } from '../../models';
import type { SecureFieldKind } from '../../models/message';
import type { Config } from '../config';
import type { Actor } from '../kernel/actor';
import { NotFoundError, ValidationError } from '../kernel/errors';
import { RENDERER_VERSION } from '../markdown/render';
import type { MarkdownRenderer } from '../markdown/bounded-renderer';
import { hasVisibleContent, noVisibleTextMessage, type VisibleTextField } from '../markdown/visible';
import type { SecretBox } from './crypto';
import { extractSecrets } from './public-guard';
import { nextPurgeAt, sealFields, secretBoxFor, type SecureFieldInput } from './secure-fields';
import type { MessageLean } from './views';

const MESSAGE_FIELD: VisibleTextField = { field: 'body', label: 'Message', what: 'message', imageIsEnough: true };

/**
 * Writing messages, shared by the conversation service (service.ts) and the support inbox
 * (support.ts): secrets typed into a body become secure fields, fields are sealed before
 * anything reaches mongoose, and the message is inserted with its author's name and role.
 * `checkMessage` (the uploads domain's, from server/compose.ts) refuses a body showing more
 * uploaded files than one message may (400) before anything is stored.
 */
export function createMessageStore(deps: {
  models: Pick<Models, 'Message'>;
  config: Config;
  /** Renders message bodies (the app's bounded renderer, server/compose.ts). */
  renderer: MarkdownRenderer;
  /** Refuses a body showing more files than one message may (uploads' checkMessage). */
  checkMessage: (body: string) => void;
}) {
  const { Message } = deps.models;

  /**
   * The key for showing masked forms (encrypted at rest, issue 18 item 11), or null: pages still
   * open without a usable key (the masked forms then show generically); reveals refuse.
   */
  function viewBox(): SecretBox | null {
    try {
      return secretBoxFor(deps.config);
    } catch {
      return null;
    }
  }

  /**
   * Secrets typed into a message body are moved into secure fields, so a value pasted in
   * the wrong box is still encrypted and never stored in the clear.
   */
  function separateSecrets(body: string, fields: SecureFieldInput[]): { body: string; fields: SecureFieldInput[] } {
    const { text, secrets } = extractSecrets(body);
    return { body: text, fields: [...fields, ...secrets] };
  }

  /**
   * Writes one message. Its id is chosen first so each field's ciphertext is bound to
   * (messageId, fieldId). Sealing happens here, before anything reaches mongoose.
   * `internal`: a staff note in a support conversation (never shown to the member).
   */
  async function insert(
    author: Actor,
    conversationId: Types.ObjectId,
    input: { body: string; fields: SecureFieldInput[]; requests: { kind: SecureFieldKind; label: string }[]; internal?: boolean },
    now: Date,
  ): Promise<MessageLean> {
    const { body, fields: inputs } = separateSecrets(input.body, input.fields);
    const html = body.trim() ? await deps.renderer.render(body, MESSAGE_FIELD) : '';
    // A body a reader would not see ("<b></b>", only <script>) counts as no body; a private
    // message may be only a screenshot (MESSAGE_FIELD.imageIsEnough).
    const visible = html !== '' && hasVisibleContent(html, MESSAGE_FIELD);
    if (!visible && inputs.length === 0 && input.requests.length === 0) {
      const message = body.trim() ? noVisibleTextMessage(MESSAGE_FIELD) : 'Write a message or add a secure field.';
      throw new ValidationError(message, { body: message });
    }
    if (input.internal && inputs.length) {
      const msg = 'Internal notes cannot hold secure fields: send them in the conversation instead.';
      throw new ValidationError(msg, { fields: msg });
    }
    deps.checkMessage(body);
    const _id = new Types.ObjectId();
    const fields = inputs.length ? sealFields(secretBoxFor(deps.config), String(_id), inputs, now) : [];
    const purgeAt = nextPurgeAt(fields);
    const doc = {
      _id,
      conversationId,
      authorId: new Types.ObjectId(author.id),
      authorUsername: author.username,
      authorName: author.displayName,
      authorRole: author.role,
      internal: !!input.internal,
      body,
      html: visible ? html : '',
      rendererVersion: RENDERER_VERSION,
      createdAt: now,
      fields,
      requests: input.requests,
      ...(purgeAt ? { secretsPurgeAt: purgeAt } : {}),
    };
    await Message.create(doc);
    return doc as unknown as MessageLean;
  }

  return { insert, separateSecrets, viewBox };
}

export type MessageStore = ReturnType<typeof createMessageStore>;

export const oid = (id: string, what = 'That conversation'): Types.ObjectId => {
  if (typeof id !== 'string' || !/^[0-9a-fA-F]{24}$/.test(id)) throw new NotFoundError(`${what} does not exist.`);
  return new Types.ObjectId(id);
};

/** Inbox keyset cursor: `<lastMessageAt ms>.<_id hex>`; the next page starts strictly after it. */
export function encodeCursor(c: { lastMessageAt: Date; _id: Types.ObjectId }): string {
  return `${c.lastMessageAt.getTime()}.${String(c._id)}`;
}

/** The filter for "after this cursor" in (lastMessageAt desc, _id desc) order; a malformed cursor is a 400. */
export function afterCursor(cursor: string | undefined): Record<string, unknown> {
  if (!cursor) return {};
  const m = /^(\d{1,15})\.([0-9a-f]{24})$/.exec(cursor);
  if (!m) throw new ValidationError('That page link is not valid.', { before: 'is not a valid page cursor' });
  const at = new Date(Number(m[1]));
  const id = new Types.ObjectId(m[2]);
  return { lastMessageAt: { $lte: at }, $nor: [{ lastMessageAt: at, _id: { $gte: id } }] };
}

/** A search term as a case-insensitive literal pattern (never a user's regular expression). */
export const literalPattern = (q: string): RegExp => new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
