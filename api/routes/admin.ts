import { randomBytes } from 'node:crypto';
import { createTokenBodySchema, createTokenResponseSchema, createUserBodySchema, tokenListResponseSchema, setRolesBodySchema, userIdParamsSchema, userResponseSchema } from '../../schemas/auth.ts';
import { problemSchema } from '../../schemas/common.ts';
import { newId } from '../../models/ids.ts';
import { hashSecret, TOKEN_PREFIX } from '../auth/principal.ts';
import { toSessionUser } from '../../lib/users.ts';
import type { ApiDeps } from '../deps.ts';
import { conflict, notFound } from '../problem.ts';
import { defineRoute } from './registry.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { actorOf } from '../audit-actor.ts';
import { createUser, DuplicateUserError } from '../../lib/users.ts';
import { createSecurityAlerts } from '../security-alerts.ts';

const ADMIN = { roles: ['admin'] } as const;
const tokenParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^tok_[0-9a-f]{32}$' } } } as const;

export const adminRoutes = (deps: ApiDeps) => {
  const { models } = deps;
  const audit = createAuditLog(models.AuditEntry);
  const alerts = createSecurityAlerts(deps);
  return [
  defineRoute({
    method: 'post',
    path: '/api/users',
    summary: 'Create a console user',
    tag: 'admin',
    access: ADMIN,
    body: createUserBodySchema,
    responses: { 201: { description: 'created', schema: userResponseSchema }, 409: { description: 'email taken', schema: problemSchema } },
    async handler({ body, res, req, principal }) {
      try {
        const user = await createUser(models, body);
        req.log.info({ userId: user.id, roles: user.roles }, 'user created');
        await audit.append({ actor: actorOf(principal), action: 'user.created', target: { type: 'user', id: user.id }, details: { roles: user.roles } });
        res.status(201).json({ user });
      } catch (err) {
        if (err instanceof DuplicateUserError) throw conflict('A user with this email exists');
        throw err;
      }
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/users',
    summary: 'List console users',
    tag: 'admin',
    access: ADMIN,
    responses: { 200: { description: 'users' } },
    async handler() {
      const users = await models.User.find().sort({ createdAt: 1 }).lean();
      return { users: users.map(toSessionUser) };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/users/:id/roles',
    summary: 'Set a console user’s roles (the user gets a security alert mail)',
    tag: 'admin',
    access: ADMIN,
    params: userIdParamsSchema,
    body: setRolesBodySchema,
    responses: {
      200: { description: 'the user with the new roles', schema: userResponseSchema },
      400: { description: 'invalid input', schema: problemSchema },
      404: { description: 'no such user', schema: problemSchema },
      409: { description: 'would leave no enabled admin', schema: problemSchema },
    },
    async handler({ params, body, principal, req }) {
      const user = await models.User.findById(params.id).lean();
      if (!user) throw notFound(`No user ${params.id}`);
      const before = [...user.roles].sort();
      const after = [...body.roles].sort();
      if (before.join() === after.join()) return { user: toSessionUser(user) };
      if (before.includes('admin') && !after.includes('admin') && !user.disabled) {
        const admins = await models.User.countDocuments({ roles: 'admin', disabled: { $ne: true } });
        if (admins <= 1) throw conflict('This is the last enabled admin; make another user admin first');
      }
      await models.User.updateOne({ _id: params.id }, { $set: { roles: body.roles } });
      await audit.append({ actor: actorOf(principal), action: 'user.roles-changed', target: { type: 'user', id: params.id }, details: { before, after } });
      await alerts.raiseOrLog({ kind: 'role-changed', userId: params.id, actor: actorOf(principal), details: { rolesBefore: before, rolesAfter: after } });
      req.log.info({ userId: params.id, roles: after }, 'roles changed');
      return { user: toSessionUser({ ...user, roles: body.roles }) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/tokens',
    summary: 'List API tokens, revoked and expired ones included (never their secrets)',
    tag: 'admin',
    access: ADMIN,
    responses: { 200: { description: 'tokens, newest first', schema: tokenListResponseSchema } },
    async handler() {
      const tokens = await models.ApiToken.find().sort({ createdAt: -1 }).lean();
      const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
      return {
        tokens: tokens.map((t) => ({
          id: t._id,
          name: t.name,
          scopes: t.scopes,
          createdBy: t.createdBy,
          createdAt: iso(t.createdAt),
          expiresAt: iso(t.expiresAt),
          revokedAt: iso(t.revokedAt),
          lastUsedAt: iso(t.lastUsedAt),
        })),
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/tokens',
    summary: 'Create a scoped API token (the secret is shown once)',
    tag: 'admin',
    access: ADMIN,
    body: createTokenBodySchema,
    responses: { 201: { description: 'created', schema: createTokenResponseSchema } },
    async handler({ body, principal, res }) {
      const id = newId('tok');
      const secret = randomBytes(32).toString('base64url');
      const expiresAt = new Date(Date.now() + (body.expiresInDays ?? 90) * 86_400_000);
      await models.ApiToken.create({
        _id: id,
        name: body.name,
        secretHash: hashSecret(secret),
        scopes: body.scopes,
        createdBy: principal?.kind === 'user' ? principal.user.id : 'unknown',
        expiresAt,
      });
      await audit.append({ actor: actorOf(principal), action: 'api-token.created', target: { type: 'api-token', id }, details: { scopes: body.scopes, expiresAt } });
      // The user the token was created with hears of it (a stolen session minting tokens is noticed).
      if (principal?.kind === 'user') {
        await alerts.raiseOrLog({ kind: 'api-token-created', userId: principal.user.id, actor: actorOf(principal), details: { tokenId: id, scopes: body.scopes, expiresAt: expiresAt.toISOString() } });
      }
      res.status(201).json({ id, token: `${TOKEN_PREFIX}${id}_${secret}`, scopes: body.scopes, expiresAt: expiresAt.toISOString() });
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/tokens/:id',
    summary: 'Revoke an API token',
    tag: 'admin',
    access: ADMIN,
    params: tokenParams,
    responses: { 204: { description: 'revoked' }, 404: { description: 'no such token', schema: problemSchema } },
    async handler({ params, res, principal }) {
      const { matchedCount } = await models.ApiToken.updateOne({ _id: params.id, revokedAt: null }, { $set: { revokedAt: new Date() } });
      if (!matchedCount) throw notFound(`No active token ${params.id}`);
      await audit.append({ actor: actorOf(principal), action: 'api-token.revoked', target: { type: 'api-token', id: params.id } });
      res.status(204).end();
    },
  }),
];
};
