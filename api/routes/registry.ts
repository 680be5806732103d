/**
 * Every API route is declared here, with who may call it, and its JSON Schemas. Mounting goes through
 * `mountRoutes`, so a route cannot exist without an access declaration (test/unit/route-declarations.test.ts).
 */
import type { Express, Request, Response } from 'express';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { Role } from '../../contracts/api-types.ts';
import type { ApiScope } from '../../schemas/auth.ts';
import type { Principal } from '../auth/principal.ts';
import { authorize } from '../auth/authorize.ts';
import { validateRequest } from '../validate.ts';

export interface Access {
  /** Roles of signed-in users allowed, or 'public'. */
  roles: readonly Role[] | 'public';
  /** API tokens carrying this scope may call the route too. */
  scope?: ApiScope;
}

export interface ResponseSpec {
  description: string;
  schema?: JSONSchema;
  contentType?: string;
}

type Infer<S> = S extends JSONSchema ? FromSchema<S> : Record<string, never>;

export interface RouteContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  principal: Principal | null;
  req: Request;
  res: Response;
}

export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tag: string;
  access: Access;
  body?: JSONSchema;
  query?: JSONSchema;
  params?: JSONSchema;
  responses: Record<number, ResponseSpec>;
  /** Routes outside the API (the console's SPA fallback) stay out of the OpenAPI document. */
  hidden?: boolean;
  handler(ctx: RouteContext<B, Q, P>): Promise<unknown> | unknown;
}

export function defineRoute<const B extends JSONSchema | undefined = undefined, const Q extends JSONSchema | undefined = undefined, const P extends JSONSchema | undefined = undefined>(
  spec: Omit<RouteSpec<Infer<B>, Infer<Q>, Infer<P>>, 'body' | 'query' | 'params'> & { body?: B; query?: Q; params?: P },
): RouteSpec {
  return spec as unknown as RouteSpec;
}

export const DECLARED = Symbol('loro.routeAccess');

/** Express path `/api/accounts/:id` → OpenAPI path `/api/accounts/{id}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, '{$1}');

export function mountRoutes(app: Express, routes: RouteSpec[]) {
  for (const spec of routes) {
    const handler = async (req: Request, res: Response) => {
      const v = res.locals.validated as { body: unknown; query: unknown; params: unknown };
      const result = await spec.handler({ ...v, principal: req.principal ?? null, req, res });
      if (!res.headersSent && result !== undefined) res.json(result);
    };
    app[spec.method](spec.path, authorize(spec.access), validateRequest(spec), handler);
    const layer = app.router.stack.at(-1) as { route?: Record<symbol, Access> } | undefined;
    if (layer?.route) layer.route[DECLARED] = spec.access;
  }
}
