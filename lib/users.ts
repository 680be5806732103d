import type { Role, SessionUser } from '../contracts/api-types.ts';
import type { Models } from '../models/index.ts';
import { newId } from '../models/ids.ts';
import { hashPassword } from './passwords.ts';
import { blindIndexFilter } from './crypto/encrypted-fields.ts';
import { normaliseForIndex } from './crypto/blind-index.ts';
import { isDuplicateKeyError } from './mongo.ts';

export function toSessionUser(u: { _id: string; email: string; name: string; roles: string[] }): SessionUser {
  return { id: u._id, email: u.email, name: u.name, roles: u.roles as SessionUser['roles'] };
}

export class DuplicateUserError extends Error {
  override name = 'DuplicateUserError';
}

/**
 * The user signing in with `email`: found through the blind index of the address (users' addresses are stored
 * encrypted), so any spelling that normalises alike (case, surrounding spaces) finds the same user.
 */
export async function findUserByEmail(models: Models, email: string) {
  const filter = await blindIndexFilter(models.User, 'email', email);
  return filter ? models.User.findOne(filter).lean() : null;
}

/** Used by the admin API and the create-admin CLI alike. */
export async function createUser(models: Models, input: { email: string; name: string; roles: readonly Role[]; password: string }): Promise<SessionUser> {
  try {
    const user = await models.User.create({
      _id: newId('usr'),
      // Trimmed and lower-cased here (the schema's setters did it before; on a ciphertext they cannot).
      email: normaliseForIndex('email', input.email),
      name: input.name,
      roles: [...input.roles],
      passwordHash: await hashPassword(input.password),
    });
    return toSessionUser(user);
  } catch (err) {
    // The unique index on the address's blind index: the same address in any spelling is one user.
    if (isDuplicateKeyError(err)) throw new DuplicateUserError('a user with this email exists');
    throw err;
  }
}
