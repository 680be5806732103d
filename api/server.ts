import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { readFileSync } from 'node:fs';
import type { ApiDeps } from './deps.ts';
import { createApp, createSessionMiddleware, SESSION_SWEEP_MS, sweepExpiredSessions, type AppOptions } from './app.ts';
import { attachSocketServer } from './socket.ts';
import { createPositionFeed } from '../lib/field/position-feed.ts';

/** The HTTP(S) server with Express and socket.io on it. */
export function createApiServer(given: ApiDeps, opts: AppOptions) {
  // The routes that receive positions publish to the feed, the socket server forwards it: both need the same one.
  const deps: ApiDeps = { ...given, positions: given.positions ?? createPositionFeed() };
  const session = createSessionMiddleware(deps, opts.sessionSecret);
  const { app, routes } = createApp(deps, { ...opts, session });
  const tls = deps.config.http.tls;
  const server: Server = tls ? createHttps({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, app) : createHttp(app);
  // Idle keep-alive connections outlive those of clients and proxies (undici keeps them 4 s, load balancers
  // 60 s): a server that closes first races a reused connection into ECONNRESET.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const sockets = attachSocketServer(server, session, deps);
  const sweeper = setInterval(() => {
    sweepExpiredSessions(deps).catch((err: unknown) => deps.logger.warn({ err }, 'could not remove expired sessions; the next sweep tries again'));
  }, SESSION_SWEEP_MS).unref();
  return {
    app,
    routes,
    server,
    listen(port: number, host: string) {
      return new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as { port: number }).port));
      });
    },
    async close() {
      clearInterval(sweeper);
      await sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
