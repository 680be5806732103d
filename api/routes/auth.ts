import { loginBodySchema, userResponseSchema } from '../../schemas/auth.ts';
import { problemSchema } from '../../schemas/common.ts';
import { dummyPasswordHash, verifyPassword } from '../../lib/passwords.ts';
import { findUserByEmail, toSessionUser } from '../../lib/users.ts';
import type { ApiDeps } from '../deps.ts';
import { tooManyRequests, unauthorized } from '../problem.ts';
import { defineRoute } from './registry.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { actorOf } from '../audit-actor.ts';
import { createSecurityAlerts } from '../security-alerts.ts';

const ALL_ROLES = ['ops', 'engineer', 'admin'] as const;

export const authRoutes = (deps: ApiDeps) => {
  const { models, throttle } = deps;
  const audit = createAuditLog(models.AuditEntry);
  const alerts = createSecurityAlerts(deps);
  return [
  defineRoute({
    method: 'post',
    path: '/api/auth/login',
    summary: 'Sign in; sets an HTTP-only session cookie',
    tag: 'auth',
    access: { roles: 'public' },
    body: loginBodySchema,
    responses: {
      200: { description: 'signed in', schema: userResponseSchema },
      401: { description: 'wrong email or password', schema: problemSchema },
      429: { description: 'too many failed attempts', schema: problemSchema },
    },
    async handler({ body, req }) {
      const ip = req.ip ?? 'unknown';
      const wait = await throttle.reserve(ip, body.email);
      if (wait > 0) {
        await audit.append({ actor: { kind: 'anonymous' }, action: 'auth.login.throttled' });
        throw tooManyRequests(`Too many failed sign-ins; try again in ${Math.ceil(wait / 60)} minute(s)`, wait);
      }
      const user = await findUserByEmail(models, body.email);
      const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), body.password);
      if (!user || !ok || user.disabled) {
        // Names the user only when the address matched one: a miss leaves no trace of what was typed.
        await audit.append({ actor: { kind: 'anonymous' }, action: 'auth.login.failed', ...(user ? { target: { type: 'user', id: user._id } } : {}) });
        throw unauthorized('Wrong email or password');
      }
      await throttle.recordSuccess(ip, body.email);
      // A fresh session ID on sign-in: a cookie planted before cannot ride along (session fixation).
      await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
      req.session.userId = user._id;
      await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
      await models.User.updateOne({ _id: user._id }, { $set: { lastLoginAt: new Date() } });
      await audit.append({ actor: { kind: 'user', id: user._id }, action: 'auth.login.succeeded' });
      // A device not seen before for this user: a security alert mail. Never fails the sign-in.
      await alerts.signedIn(user._id, { userAgent: req.get('user-agent'), ip: req.ip }).catch((err: unknown) => req.log.error({ err, userId: user._id }, 'new-device check failed'));
      req.log.info({ userId: user._id }, 'signed in');
      return { user: toSessionUser(user) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/auth/logout',
    summary: 'Sign out',
    tag: 'auth',
    access: { roles: ALL_ROLES },
    responses: { 204: { description: 'signed out' } },
    async handler({ req, res, principal }) {
      await audit.append({ actor: actorOf(principal), action: 'auth.logout' });
      await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
      res.clearCookie('loro.sid').status(204).end();
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/auth/me',
    summary: 'The signed-in user',
    tag: 'auth',
    access: { roles: ALL_ROLES },
    responses: { 200: { description: 'the user', schema: userResponseSchema }, 401: { description: 'not signed in', schema: problemSchema } },
    handler: ({ principal }) => (principal?.kind === 'user' ? { user: principal.user } : { user: null }),
  }),
];
};
