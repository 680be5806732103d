import type { RequestHandler } from 'express';
import type { Access } from '../routes/registry.ts';
import { forbidden, unauthorized } from '../problem.ts';

export function authorize(access: Access): RequestHandler {
  return (req, _res, next) => {
    if (access.roles === 'public') return next();
    const p = req.principal;
    if (!p) return next(unauthorized());
    if (p.kind === 'user') {
      if (access.roles.some((r) => p.user.roles.includes(r))) return next();
      return next(forbidden(`This needs one of the roles: ${access.roles.join(', ')}`));
    }
    if (access.scope && p.scopes.includes(access.scope)) return next();
    return next(forbidden(access.scope ? `This needs an API token with the scope ${access.scope}` : 'API tokens cannot call this; sign in'));
  };
}
