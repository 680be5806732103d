/** socket.io on the API's server: the same session cookie (or an API token) authenticates the connection. */
import type { Server as HttpServer } from 'node:http';
import type { RequestHandler } from 'express';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../contracts/socket-events.ts';
import type { ApiDeps } from './deps.ts';
import { principalFromSession, principalFromToken, type Principal } from './auth/principal.ts';
import { createWorkflowFeed } from './workflow-feed.ts';
import { createExportFeed } from './export-feed.ts';

interface SocketData {
  principal: Principal;
}

export function attachSocketServer(server: HttpServer, session: RequestHandler, deps: ApiDeps) {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(server, { serveClient: false });
  io.engine.use(session);
  io.use(async (socket, next) => {
    try {
      const req = socket.request as unknown as { session?: { userId?: string } };
      const token = (socket.handshake.auth as { token?: string }).token;
      const principal = token
        ? await principalFromToken(deps.models, token)
        : req.session?.userId
          ? await principalFromSession(deps.models, req.session.userId)
          : null;
      if (!principal || (principal.kind === 'token' && !principal.scopes.includes('workflows:read'))) return next(new Error('unauthorized'));
      socket.data.principal = principal;
      next();
    } catch {
      next(new Error('unauthorized'));
    }
  });

  const feed = createWorkflowFeed({
    client: deps.temporal,
    namespace: deps.config.temporal.namespace,
    uiUrl: deps.config.temporal.uiUrl,
    logger: deps.logger,
    onChange: (summary) => io.to('workflows').emit('workflow:changed', summary),
  });
  const exportFeed = createExportFeed({ models: deps.models, logger: deps.logger, onChange: (summary) => io.to('exports').emit('export:progress', summary) });
  // Live positions are personal data: signed-in staff only, never API tokens.
  const stopPositions = deps.positions?.subscribe((position) => io.to('positions').emit('position:update', position));
  io.on('connection', (socket) => {
    if (socket.data.principal.kind === 'user') void socket.join('positions');
    void socket.join('workflows');
    feed.start();
    void socket.join('exports');
    exportFeed.start();
    socket.on('disconnect', () => {
      if (io.of('/').sockets.size === 0) feed.stop();
      if (io.of('/').sockets.size === 0) exportFeed.stop();
    });
  });
  return {
    io,
    async close() {
      feed.stop();
      exportFeed.stop();
      stopPositions?.();
      await io.close();
    },
  };
}
