/** The API process: Express + socket.io, serving the built console. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, withServiceAddresses, type ResolvedConfig } from '../config/index.ts';
import { createLogger } from '../lib/logger.ts';
import { runMain } from '../lib/main.ts';
import { buildApiDeps } from './build-deps.ts';
import { createApiServer } from './server.ts';

/** Development keeps a generated secret in the data folder so sessions survive restarts; production must set one. */
function sessionSecret(config: ResolvedConfig): string {
  if (config.sessionSecret) return config.sessionSecret;
  const file = join(config.dataDir, 'session-secret');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

runMain('api', async () => {
  const config = withServiceAddresses(loadConfig());
  const logger = createLogger('api', config.logLevel);
  const deps = await buildApiDeps(config, logger);
  const api = createApiServer(deps, { sessionSecret: sessionSecret(config) });
  const port = await api.listen(config.http.port, config.http.host);
  logger.info({ url: `${config.http.tls ? 'https' : 'http'}://${config.http.host}:${port}` }, 'api listening');
  return async () => {
    await api.close();
    await deps.close();
  };
});
