/** Who is calling: a signed-in console user (session cookie) or an automated caller (API token). */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { SessionUser } from '../../contracts/api-types.ts';
import { toSessionUser } from '../../lib/users.ts';
import type { Models } from '../../models/index.ts';
import type { ApiScope } from '../../schemas/auth.ts';
import { unauthorized } from '../problem.ts';
import type {} from 'express-session';

export type Principal = { kind: 'user'; user: SessionUser } | { kind: 'token'; tokenId: string; scopes: ApiScope[] };

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}
declare module 'express-session' {
  interface SessionData {
    userId?: string;
  }
}

export const TOKEN_PREFIX = 'loro_';
export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Token format: loro_<token id>_<secret>; only the secret's SHA-256 is stored. */
export function parseToken(token: string): { id: string; secret: string } | null {
  const m = /^loro_(tok_[0-9a-f]{32})_([A-Za-z0-9_-]{43})$/.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

export async function principalFromToken(models: Models, header: string): Promise<Principal> {
  const parsed = parseToken(header.replace(/^Bearer\s+/i, ''));
  if (!parsed) throw unauthorized('The API token is malformed');
  const token = await models.ApiToken.findById(parsed.id).lean();
  const presented = Buffer.from(hashSecret(parsed.secret), 'hex');
  if (!token || !timingSafeEqual(presented, Buffer.from(token.secretHash, 'hex'))) throw unauthorized('The API token is not valid');
  if (token.revokedAt) throw unauthorized('The API token was revoked');
  if (token.expiresAt && token.expiresAt < new Date()) throw unauthorized('The API token has expired');
  void models.ApiToken.updateOne({ _id: token._id }, { $set: { lastUsedAt: new Date() } }).exec().catch(() => {});
  return { kind: 'token', tokenId: token._id, scopes: token.scopes as ApiScope[] };
}

export async function principalFromSession(models: Models, userId: string): Promise<Principal | null> {
  const user = await models.User.findById(userId).lean();
  if (!user || user.disabled) return null;
  return { kind: 'user', user: toSessionUser(user) };
}

/** Resolves the caller once per request; routes then only check `req.principal` against their declaration. */
export function resolvePrincipal(models: Models): RequestHandler {
  return async (req, _res, next) => {
    const header = req.headers.authorization;
    if (header) {
      req.principal = await principalFromToken(models, header);
    } else if (req.session?.userId) {
      const principal = await principalFromSession(models, req.session.userId);
      if (principal) req.principal = principal;
      else req.session.userId = undefined;
    }
    next();
  };
}
