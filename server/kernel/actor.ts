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
  /**
   * The reader's IANA time zone when they chose one (the account page's preference, issue 14,
   * fills it); pages show times in it, else in the support desk's zone (server/app.ts).
   */
  timeZone?: string | null;
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
