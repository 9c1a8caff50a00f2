import { Types } from 'mongoose';
import { NotFoundError } from '../kernel/errors';

const HEX24 = /^[0-9a-fA-F]{24}$/;

/** An id from a caller. Handlers already reject malformed ids (400); here they mean "no such thing". */
export function toObjectId(id: string, what = 'That thread'): Types.ObjectId {
  if (typeof id !== 'string' || !HEX24.test(id)) throw new NotFoundError(`${what} does not exist.`);
  return new Types.ObjectId(id);
}
