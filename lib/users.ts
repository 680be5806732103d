import type { Role, SessionUser } from '../contracts/api-types.ts';
import type { Models } from '../models/index.ts';
import { newId } from '../models/ids.ts';
import { hashPassword } from './passwords.ts';

export function toSessionUser(u: { _id: string; email: string; name: string; roles: string[] }): SessionUser {
  return { id: u._id, email: u.email, name: u.name, roles: u.roles as SessionUser['roles'] };
}

export class DuplicateUserError extends Error {
  override name = 'DuplicateUserError';
}

/** Used by the admin API and the create-admin CLI alike. */
export async function createUser(models: Models, input: { email: string; name: string; roles: readonly Role[]; password: string }): Promise<SessionUser> {
  try {
    const user = await models.User.create({
      _id: newId('usr'),
      email: input.email.toLowerCase(),
      name: input.name,
      roles: [...input.roles],
      passwordHash: await hashPassword(input.password),
    });
    return toSessionUser(user);
  } catch (err) {
    if ((err as { code?: number }).code === 11000) throw new DuplicateUserError('a user with this email exists');
    throw err;
  }
}
