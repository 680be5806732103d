/**
 * Every Express route of the API carries an access declaration (roles and token scope), the declaration is what
 * the route enforces, and the OpenAPI document lists every route except the hidden ones. No services needed:
 * the route factories only capture their deps.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { loadConfig, withServiceAddresses } from '../../config/index.ts';
import { createLogger } from '../../lib/logger.ts';
import { createApp } from '../../api/app.ts';
import { DECLARED, openApiPath, type Access, type RouteSpec } from '../../api/routes/registry.ts';
import { HttpProblem } from '../../api/problem.ts';
import { ROLES } from '../../contracts/api-types.ts';
import { API_SCOPES } from '../../schemas/auth.ts';

type RouteLayer = { route?: { path: string; methods: Record<string, boolean>; stack: { handle: RequestHandler }[]; [DECLARED]?: Access } };

const noSession: RequestHandler = (_req, _res, next) => next();

function build() {
  const config = withServiceAddresses(
    loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1', MONGODB_URI: 'mongodb://127.0.0.1:1/x', SMTP_URL: 'smtp://127.0.0.1:1', LOG_LEVEL: 'silent' }),
  );
  const deps = { config, logger: createLogger('api', 'silent'), models: {}, temporal: {}, mongo: {}, throttle: {} };
  return createApp(deps as never, { sessionSecret: 'x'.repeat(32), session: noSession });
}

const routeLayers = (app: ReturnType<typeof build>['app']) =>
  (app.router.stack as RouteLayer[]).filter((l): l is Required<RouteLayer> => Boolean(l.route));

const label = (l: Required<RouteLayer>) => `${Object.keys(l.route.methods).join(',').toUpperCase()} ${l.route.path}`;

/** Route layers whose access declaration is missing or meaningless. */
function undeclared(app: ReturnType<typeof build>['app']): string[] {
  return routeLayers(app)
    .filter((l) => {
      const access = l.route[DECLARED];
      if (!access) return true;
      if (access.roles === 'public') return false;
      return !Array.isArray(access.roles) || access.roles.length === 0;
    })
    .map(label);
}

/** Calls a route's first handler (the access check) as Express would, and returns what it passed to next(). */
function runAccessCheck(layer: Required<RouteLayer>, principal: unknown): unknown {
  const handle = layer.route.stack[0]!.handle;
  let passed: unknown = 'next() was not called';
  handle({ principal } as unknown as Request, {} as Response, ((err?: unknown) => (passed = err)) as NextFunction);
  return passed;
}

describe('route declarations', () => {
  const { app, routes, openApi } = build();
  const layers = routeLayers(app);

  it('finds the API’s routes on the router', () => {
    // The walk itself must see the routes, or every check below passes vacuously.
    expect(layers.length).toBe(routes.length);
    expect(layers.map(label)).toEqual(expect.arrayContaining(['POST /api/auth/login', 'POST /api/accounts', 'DELETE /api/tokens/:id', 'GET /healthz']));
  });

  it('every route layer carries an access declaration', () => {
    expect(undeclared(app)).toEqual([]);
  });

  it('the check reports a route added around the registry, and only that one', () => {
    const second = build();
    second.app.get('/api/undeclared', (_req, res) => {
      res.json({ secret: true });
    });
    expect(undeclared(second.app)).toEqual(['GET /api/undeclared']);
    // The first app is untouched.
    expect(undeclared(app)).toEqual([]);
  });

  it('each layer’s declaration is its spec’s, in the registry’s order', () => {
    expect(layers.map((l) => ({ method: Object.keys(l.route.methods), path: l.route.path }))).toEqual(
      routes.map((r) => ({ method: [r.method], path: r.path })),
    );
    layers.forEach((l, i) => expect(l.route[DECLARED]).toBe(routes[i]!.access));
  });

  it('declarations are meaningful: known roles, known scopes, no scope on a public route', () => {
    const problems: string[] = [];
    for (const l of layers) {
      const { roles, scope } = l.route[DECLARED]!;
      if (roles === 'public') {
        if (scope) problems.push(`${label(l)}: public but declares scope ${scope}`);
        continue;
      }
      for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) problems.push(`${label(l)}: unknown role ${r}`);
      if (new Set(roles).size !== roles.length) problems.push(`${label(l)}: repeated role`);
      if (scope && !(API_SCOPES as readonly string[]).includes(scope)) problems.push(`${label(l)}: unknown scope ${scope}`);
    }
    expect(problems).toEqual([]);
  });

  it('every route enforces its declaration before anything else runs', () => {
    const token = (scopes: string[]) => ({ kind: 'token', tokenId: `tok_${'0'.repeat(32)}`, scopes });
    const user = (roles: string[]) => ({ kind: 'user', user: { id: 'usr_x', email: 'x@y.z', name: 'X', roles } });
    const status = (v: unknown) => (v instanceof HttpProblem ? v.status : v);
    const failures: string[] = [];
    const expectOutcome = (l: Required<RouteLayer>, who: string, principal: unknown, want: unknown) => {
      const got = status(runAccessCheck(l, principal));
      if (got !== want) failures.push(`${label(l)} as ${who}: got ${String(got)}, want ${String(want)}`);
    };
    for (const l of layers) {
      const { roles, scope } = l.route[DECLARED]!;
      if (roles === 'public') {
        expectOutcome(l, 'anonymous', undefined, undefined);
        continue;
      }
      expectOutcome(l, 'anonymous', undefined, 401);
      for (const role of ROLES) expectOutcome(l, role, user([role]), roles.includes(role) ? undefined : 403);
      // A token with every scope but the route's is refused; only the declared scope lets a token in.
      expectOutcome(l, 'token without the scope', token(API_SCOPES.filter((s) => s !== scope)), 403);
      if (scope) expectOutcome(l, `token with ${scope}`, token([scope]), undefined);
    }
    expect(failures).toEqual([]);
  });

  it('the OpenAPI document lists every route except hidden ones, with its declared access', () => {
    const operations = Object.entries(openApi.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    const visible = routes.filter((r) => !r.hidden);
    expect(operations.sort()).toEqual(visible.map((r) => `${r.method} ${openApiPath(r.path)}`).sort());
    for (const r of visible) {
      const op = openApi.paths[openApiPath(r.path)]![r.method] as { 'x-roles': unknown; 'x-token-scope'?: unknown; security: unknown[] };
      expect(op['x-roles'], `${r.method} ${r.path}`).toEqual(r.access.roles);
      expect(op['x-token-scope'], `${r.method} ${r.path}`).toBe(r.access.scope);
      expect(op.security.length === 0, `${r.method} ${r.path} security`).toBe(r.access.roles === 'public');
    }
    const hidden = routes.filter((r: RouteSpec) => r.hidden);
    expect(hidden.map((r) => r.path)).toEqual(['/{*path}']);
    for (const r of hidden) expect(openApi.paths[openApiPath(r.path)]).toBeUndefined();
  });
});
