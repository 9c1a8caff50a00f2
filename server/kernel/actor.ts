import { ROLES, type Role } from '../../models/user';

export { ROLES, type Role };

/**
 * The signed-in person as services see it. Services take `(actor, input)`; they never
 * see `req`. `null` is an anonymous reader.
 */
export interface Actor {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  /** The person's IANA time zone for displayed times (account page); absent when not chosen. */
  timeZone?: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- passport's req.user is our Actor
    interface User extends Actor {}
  }
}

/** Moderators and administrators: the support team. */
export const isStaff = (actor: Actor | null | undefined): boolean => !!actor && (actor.role === 'moderator' || actor.role === 'admin');

export const isAdmin = (actor: Actor | null | undefined): boolean => !!actor && actor.role === 'admin';
