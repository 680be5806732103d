/** The Express application: middleware in order, every route through the declared registry, errors as problem+json. */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type RequestHandler } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { MongoStore } from 'connect-mongo';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import type { ApiDeps } from './deps.ts';
import { CONSOLE_DIST } from '../lib/paths.ts';
import { resolvePrincipal } from './auth/principal.ts';
import { mountRoutes, defineRoute, type RouteSpec } from './routes/registry.ts';
import { healthRoutes } from './routes/health.ts';
import { authRoutes } from './routes/auth.ts';
import { adminRoutes } from './routes/admin.ts';
import { accountRoutes } from './routes/accounts.ts';
import { workflowRoutes } from './routes/workflows.ts';
import { devMailRoutes } from './routes/dev-mail.ts';
import { privacyRoutes } from './routes/privacy.ts';
import { usageRoutes } from './routes/usage.ts';
import { fieldRoutes } from './routes/field.ts';
import { technicianRoutes } from './routes/technicians.ts';
import { routePlanRoutes } from './routes/route-plans.ts';
import { cancellationRoutes } from './routes/cancellation.ts';
import { erasureRoutes } from './routes/erasure.ts';
import { policyRoutes } from './routes/policy.ts';
import { profileRoutes } from './routes/profile.ts';
import { exportRoutes } from './routes/exports.ts';
import { sequenceRoutes } from './routes/sequences.ts';
import { engagementRoutes } from './routes/engagement.ts';
import { leadRoutes } from './routes/leads.ts';
import { workflowDetailRoutes } from './routes/workflow-detail.ts';
import { workflowViewRoutes } from './routes/workflow-views.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { CODEC_PATH, codecMiddleware, codecRoutes } from './routes/codec.ts';
import { buildOpenApi } from './openapi.ts';
import { notFound, problemHandler, HttpProblem } from './problem.ts';

export const SESSION_COOKIE = 'loro.sid';
const SESSION_HOURS = 12;
const SESSIONS = 'sessions';

export interface AppOptions {
  sessionSecret: string;
  consoleDir?: string;
  version?: string;
}

export function createSessionMiddleware(deps: ApiDeps, secret: string): RequestHandler {
  const secure = Boolean(deps.config.http.tls) || deps.config.env === 'production';
  return session({
    name: SESSION_COOKIE,
    secret,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'strict', secure, maxAge: SESSION_HOURS * 3600_000 },
    store: MongoStore.create({
      client: deps.mongo.getClient() as never,
      dbName: deps.mongo.name,
      collectionName: SESSIONS,
      // Expired sessions are removed by sweepExpiredSessions, not a TTL index (FerretDB has none) nor the store's own
      // interval: that one deletes unacknowledged (w: 0), which a FerretDB not built with our patches answers anyway,
      // shifting every later reply on the connection by one (services/build.ts).
      autoRemove: 'disabled',
      ttl: SESSION_HOURS * 3600,
      touchAfter: 60,
    }),
  });
}

/** Deletes the sessions past their expiry (acknowledged); the API server runs it every SESSION_SWEEP_MS. */
export async function sweepExpiredSessions(deps: Pick<ApiDeps, 'mongo'>): Promise<number> {
  const { deletedCount } = await deps.mongo.getClient().db(deps.mongo.name).collection(SESSIONS).deleteMany({ expires: { $lt: new Date() } });
  return deletedCount;
}
export const SESSION_SWEEP_MS = 10 * 60_000;

export function createApp(deps: ApiDeps, opts: AppOptions & { session: RequestHandler }) {
  const app = express();
  app.disable('x-powered-by');
  if (deps.config.env === 'production') app.set('trust proxy', 1);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // Query strings can carry search terms (emails, names): log the path only.
      serializers: { req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }) },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // The field map's tiles, only when an operator configured a tile server (MAP_TILE_URL).
          'img-src': ["'self'", 'data:', ...(deps.config.map?.tileUrl ? [new URL(deps.config.map.tileUrl).origin] : [])],
          'style-src': ["'self'", "'unsafe-inline'"],
          'connect-src': ["'self'"],
          // Over plain HTTP (development) an upgrade would send the console's assets to a port nobody serves.
          'upgrade-insecure-requests': deps.config.http.tls || deps.config.env === 'production' ? [] : null,
        },
      },
    }),
  );
  // The codec server's CORS (Temporal Web UI origin) and larger bodies: on its path only, before everything else reads the request.
  app.use(CODEC_PATH, ...codecMiddleware(deps));
  // Usage batches (up to 1,000 events) may be larger than other bodies.
  app.use('/api/usage-events', express.json({ limit: '4mb' }));
  app.use(express.json({ limit: '1mb' }));
  // The preference centre's page posts a plain HTML form (it works without JavaScript, from any mail client).
  app.use('/api/preferences', express.urlencoded({ extended: false, limit: '16kb' }));
  app.use(opts.session);
  app.use(resolvePrincipal(deps.models));

  const consoleDir = opts.consoleDir ?? CONSOLE_DIST;
  const routes: RouteSpec[] = [
    ...healthRoutes(deps),
    ...authRoutes(deps),
    ...adminRoutes(deps),
    ...accountRoutes(deps),
    ...workflowRoutes(deps),
    ...codecRoutes(deps),
    ...privacyRoutes(deps),
    ...usageRoutes(deps),
    ...fieldRoutes(deps),
    ...technicianRoutes(deps),
    ...routePlanRoutes(deps),
    ...cancellationRoutes(deps),
    ...erasureRoutes(deps),
    ...policyRoutes(deps),
    ...profileRoutes(deps),
    ...exportRoutes(deps),
    ...sequenceRoutes(deps),
    ...engagementRoutes(deps),
    ...leadRoutes(deps),
    ...workflowDetailRoutes(deps),
    ...workflowViewRoutes(deps),
    ...dashboardRoutes(deps),
    ...devMailRoutes(deps),
  ];
  routes.push(
    defineRoute({
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This document',
      tag: 'meta',
      access: { roles: 'public' },
      responses: { 200: { description: 'OpenAPI 3.1' } },
      handler: () => openApi,
    }),
  );
  // Built after the document's own route is declared, so the document lists it too.
  const openApi = buildOpenApi(routes, { version: opts.version ?? '0.1.0', serverUrl: deps.config.http.publicUrl });
  routes.push(
    defineRoute({
      method: 'get',
      path: '/{*path}',
      summary: 'The console (single-page app)',
      tag: 'console',
      hidden: true,
      access: { roles: 'public' },
      responses: { 200: { description: 'index.html' } },
      handler({ req, res }) {
        if (req.path.startsWith('/api/')) throw notFound(`No API route ${req.method} ${req.path}`);
        const index = join(consoleDir, 'index.html');
        if (!existsSync(index)) throw new HttpProblem(503, 'console-not-built', 'Console not built', 'Run `npm run build` to build the console');
        res.sendFile(index);
      },
    }),
  );
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openApi, { customSiteTitle: 'LORO engine API' }));
  app.use(express.static(consoleDir, { index: false, maxAge: '1h' }));
  mountRoutes(app, routes);
  app.use((req, _res, next) => next(notFound(`No route ${req.method} ${req.path}`)));
  app.use(problemHandler);
  return { app, routes, openApi };
}
