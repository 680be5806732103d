/**
 * The setup the API benchmarks share: the embedded stack (Temporal, FerretDB, mail sink) in a temp dir on free ports,
 * the real API server in this process on a fresh database with its indexes built, and a signed-in session with the
 * role asked for. Everything is stopped through lib/proc.ts's clean-ups.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig, withServiceAddresses, type ResolvedConfig } from '../../config/index.ts';
import { startLocalStack } from '../../services/stack.ts';
import { createLogger } from '../../lib/logger.ts';
import { createUser } from '../../lib/users.ts';
import { buildApiDeps } from '../../api/build-deps.ts';
import { createApiServer } from '../../api/server.ts';
import { syncIndexes } from '../../models/index.ts';
import type { Role } from '../../contracts/api-types.ts';
import { onCleanup, tempDir } from './proc.ts';
import type { BenchContext } from './report.ts';

export interface BenchApi {
  dir: string;
  stack: Awaited<ReturnType<typeof startLocalStack>>;
  config: ResolvedConfig;
  deps: Awaited<ReturnType<typeof buildApiDeps>>;
  baseUrl: string;
  /** `loro.sid=…` of the signed-in bench user. */
  cookie: string;
}

export async function startBenchApi(ctx: BenchContext, opts: { name: string; role: Role; logLevel?: string }): Promise<BenchApi> {
  const dir = await tempDir(opts.name);
  const { cacheDir } = loadConfig({});
  ctx.log('starting the embedded stack');
  const stack = await startLocalStack({ dataDir: dir, cacheDir, namespace: 'default', temporalUi: false, progress: (l) => ctx.log(l) });
  onCleanup(() => stack.stop());
  const mongoUri = new URL(stack.mongoUri);
  mongoUri.pathname = `/loro_bench_${opts.name.replace(/\W/g, '_')}`;
  const logLevel = opts.logLevel ?? 'silent';
  const config = withServiceAddresses(
    loadConfig({ NODE_ENV: 'test', LORO_DATA_DIR: dir, TEMPORAL_ADDRESS: stack.temporalAddress, MONGODB_URI: mongoUri.toString(), SMTP_URL: stack.smtpUrl, LOG_LEVEL: logLevel, SESSION_SECRET: randomBytes(32).toString('hex') }),
  );
  const deps = await buildApiDeps(config, createLogger('api', logLevel));
  onCleanup(() => deps.close());
  await deps.mongo.dropDatabase();
  await syncIndexes(deps.models);
  const api = createApiServer(deps, { sessionSecret: config.sessionSecret! });
  const port = await api.listen(0, '127.0.0.1');
  onCleanup(() => api.close());
  const baseUrl = `http://127.0.0.1:${port}`;

  const email = `bench-${randomBytes(4).toString('hex')}@staff.loro.example`;
  const password = randomBytes(18).toString('base64');
  await createUser(deps.models, { email, name: `Bench ${opts.role}`, roles: [opts.role], password });
  const login = await fetch(`${baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (login.status !== 200) throw new Error(`sign-in failed: HTTP ${login.status}`);
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith('loro.sid='))!.split(';')[0]!;
  return { dir, stack, config, deps, baseUrl, cookie };
}
