/**
 * Self-service for console users: read and correct one's own name and address, change one's password. Each
 * correction is audited by the names of the fields changed, never their values; an address change and a
 * password change send a security alert mail (the address change to the old address).
 */
import { changePasswordBodySchema, profileResponseSchema, updateProfileBodySchema } from '../../schemas/profile.ts';
import { problemSchema } from '../../schemas/common.ts';
import { normaliseForIndex } from '../../lib/crypto/blind-index.ts';
import { hashPassword, verifyPassword } from '../../lib/passwords.ts';
import { toSessionUser } from '../../lib/users.ts';
import { isDuplicateKeyError } from '../../lib/mongo.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import type { ApiDeps } from '../deps.ts';
import { actorOf } from '../audit-actor.ts';
import type { Principal } from '../auth/principal.ts';
import { badRequest, conflict, tooManyRequests, unauthorized } from '../problem.ts';
import { createSecurityAlerts } from '../security-alerts.ts';
import { defineRoute } from './registry.ts';

const SIGNED_IN = { roles: ['ops', 'engineer', 'admin'] } as const;

/** The signed-in user's ID; API tokens belong to no person and are refused by the access declaration already. */
function userIdOf(principal: Principal | null): string {
  if (principal?.kind !== 'user') throw unauthorized('Sign in to see your profile');
  return principal.user.id;
}

export const profileRoutes = (deps: ApiDeps) => {
  const { models, throttle } = deps;
  const audit = createAuditLog(models.AuditEntry);
  const alerts = createSecurityAlerts(deps);

  async function load(userId: string) {
    const user = await models.User.findById(userId);
    if (!user) throw unauthorized('Your user no longer exists; sign in again');
    return user;
  }

  return [
    defineRoute({
      method: 'get',
      path: '/api/profile',
      summary: 'Your own personal data (name, email) and roles',
      tag: 'profile',
      access: SIGNED_IN,
      responses: { 200: { description: 'your profile', schema: profileResponseSchema }, 401: { description: 'not signed in', schema: problemSchema } },
      async handler({ principal }) {
        return { profile: toSessionUser(await load(userIdOf(principal))) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/profile',
      summary: 'Correct your own name or email (an email change alerts the old address)',
      tag: 'profile',
      access: SIGNED_IN,
      body: updateProfileBodySchema,
      responses: {
        200: { description: 'the corrected profile', schema: profileResponseSchema },
        400: { description: 'invalid input: every failing field is listed', schema: problemSchema },
        409: { description: 'another user has this email', schema: problemSchema },
      },
      async handler({ body, principal, req }) {
        const userId = userIdOf(principal);
        const user = await load(userId);
        const changed: string[] = [];
        if (body.name !== undefined && body.name.trim() !== user.name) {
          user.name = body.name.trim();
          changed.push('name');
        }
        let oldEmail: string | undefined;
        const email = body.email === undefined ? undefined : normaliseForIndex('email', body.email);
        if (email !== undefined && email !== user.email) {
          oldEmail = user.email;
          user.email = email;
          changed.push('email');
        }
        if (changed.length) {
          try {
            await user.save();
          } catch (err) {
            // The unique blind index: the address (in any spelling) belongs to another user.
            if (isDuplicateKeyError(err)) throw conflict('Another user has this email');
            throw err;
          }
          await audit.append({ actor: actorOf(principal), action: 'profile.corrected', target: { type: 'user', id: userId }, details: { fields: changed } });
          if (oldEmail) await alerts.raiseOrLog({ kind: 'email-changed', userId, actor: actorOf(principal), recipient: oldEmail });
          req.log.info({ userId, fields: changed }, 'profile corrected');
        }
        return { profile: toSessionUser(user) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/profile/password',
      summary: 'Change your password (needs the current one; sends a security alert mail)',
      tag: 'profile',
      access: SIGNED_IN,
      body: changePasswordBodySchema,
      responses: {
        204: { description: 'changed' },
        400: { description: 'invalid input, or the current password is wrong', schema: problemSchema },
        429: { description: 'too many wrong current passwords (shares the sign-in budget)', schema: problemSchema },
      },
      async handler({ body, principal, req, res }) {
        const userId = userIdOf(principal);
        if (body.newPassword === body.currentPassword) throw badRequest([{ path: '/body/newPassword', message: 'must differ from the current password' }]);
        const user = await load(userId);
        // Guessing the current password here counts against the same budget as guessing it at sign-in.
        const ip = req.ip ?? 'unknown';
        const wait = await throttle.reserve(ip, user.email);
        if (wait > 0) throw tooManyRequests(`Too many wrong passwords; try again in ${Math.ceil(wait / 60)} minute(s)`, wait);
        if (!(await verifyPassword(user.passwordHash, body.currentPassword))) {
          await audit.append({ actor: actorOf(principal), action: 'auth.password-change.failed', target: { type: 'user', id: userId } });
          throw badRequest([{ path: '/body/currentPassword', message: 'is not your current password' }]);
        }
        await throttle.recordSuccess(ip, user.email);
        await models.User.updateOne({ _id: userId }, { $set: { passwordHash: await hashPassword(body.newPassword) } });
        await audit.append({ actor: actorOf(principal), action: 'auth.password.changed', target: { type: 'user', id: userId } });
        await alerts.raiseOrLog({ kind: 'password-changed', userId, actor: actorOf(principal) });
        req.log.info({ userId }, 'password changed');
        res.status(204).end();
      },
    }),
  ];
};
