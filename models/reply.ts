import { Schema, type Types } from 'mongoose';
import { POSTER_ROLES, visibilityFields, type Visibility, type VisibilityReason } from './thread';

/**
 * A reply in a thread. `system` replies are notes written by the forum itself (e.g. "closed
 * and locked after two business days without a response"): no author, not editable.
 * The feedback counters are maintained by the feedback domain with atomic $inc.
 */
export const replySchema = new Schema(
  {
    threadId: { type: Schema.Types.ObjectId, ref: 'Thread', required: true },
    author: { type: Schema.Types.ObjectId, ref: 'User', default: null },
    authorName: { type: String, default: '' },
    authorUsername: { type: String, default: '' },
    authorRole: { type: String, enum: [...POSTER_ROLES, null], default: null },
    system: { type: Boolean, default: false },
    /** What kind of system note ('lock_notice', ...); null for human replies. */
    systemKind: { type: String, default: null },

    bodySource: { type: String, required: true },
    bodyHtml: { type: String, required: true },
    rendererVersion: { type: Number, required: true },

    helpfulCount: { type: Number, default: 0 },
    notHelpfulCount: { type: Number, default: 0 },
    satisfactionSum: { type: Number, default: 0 },
    satisfactionCount: { type: Number, default: 0 },

    ...visibilityFields,

    createdAt: { type: Date, required: true },
    editedAt: { type: Date, default: null },
    /**
     * The asker answered "No" to "Did this solve your problem?" under this (staff) reply.
     * Absent otherwise (no default), so its sparse index holds only such replies.
     */
    notSolvedAt: { type: Date },
  },
  { versionKey: false },
);

// The thread page: replies of one thread in posting order.
replySchema.index({ threadId: 1, createdAt: 1, _id: 1 });
replySchema.index({ author: 1, createdAt: -1 });
// The support dashboard's "did not solve" list: only the replies an asker said No to.
replySchema.index({ notSolvedAt: -1 }, { sparse: true });

export interface ReplyDoc {
  _id: Types.ObjectId;
  threadId: Types.ObjectId;
  author: Types.ObjectId | null;
  authorName: string;
  authorUsername: string;
  authorRole: (typeof POSTER_ROLES)[number] | null;
  system: boolean;
  systemKind: string | null;
  bodySource: string;
  bodyHtml: string;
  rendererVersion: number;
  helpfulCount: number;
  notHelpfulCount: number;
  satisfactionSum: number;
  satisfactionCount: number;
  visibility?: Visibility | null;
  visibilityReason?: VisibilityReason | null;
  visibilityChangedAt?: Date | null;
  visibilityChangedBy?: Types.ObjectId | null;
  createdAt: Date;
  editedAt: Date | null;
  notSolvedAt?: Date;
}
