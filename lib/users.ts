import type { Role, SessionUser } from '../contracts/api-types.ts';
import type { Models } from '../models/index.ts';
import { newId } from '../models/ids.ts';
import { hashPassword } from '../api/auth/passwords.ts';
import { toSessionUser } from '../api/auth/principal.ts';

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
