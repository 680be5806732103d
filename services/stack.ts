/**
 * The one place that knows how to start each local service: Temporal dev server, FerretDB, the SMTP sink.
 * A service whose address is given (TEMPORAL_ADDRESS, MONGODB_URI, SMTP_URL) is used as it is, not started.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureFerretDb, ensureTemporalCli, type Progress } from './build.ts';
import { startProcess, type ManagedProcess } from './process.ts';
import { freePort } from './ports.ts';
import { isMongoReady, isTemporalReady } from './probes.ts';
import { startMailSink, type MailSink } from './mail-sink.ts';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes.ts';

export interface StackOptions {
  /** Persistent state lives here (temporal.db, ferretdb/, mail/, logs/). Tests pass a temp folder. */
  dataDir: string;
  cacheDir: string;
  namespace: string;
  external?: { temporalAddress?: string; mongoUri?: string; smtpUrl?: string };
  /** Ports to try first (taken ones fall back to free ports); absent → free ports. */
  preferredPorts?: Partial<Record<'temporal' | 'temporalUi' | 'mongo' | 'smtp' | 'mailHttp', number>>;
  temporalUi?: boolean;
  /** The engine's codec server, so the Web UI shows payloads decoded (for engineers signed in to the console). */
  uiCodecEndpoint?: string;
  progress: Progress;
}

export interface LocalStack {
  temporalAddress: string;
  temporalUiUrl: string | null;
  mongoUri: string;
  smtpUrl: string;
  mailSinkUrl: string | null;
  logDir: string;
  stop(): Promise<void>;
}

async function startTemporal(bin: string, opts: StackOptions, logDir: string) {
  const port = await freePort(opts.preferredPorts?.temporal ?? 0);
  const uiPort = opts.temporalUi ? await freePort(opts.preferredPorts?.temporalUi ?? 0) : 0;
  const address = `127.0.0.1:${port}`;
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--db-filename', join(opts.dataDir, 'temporal.db'),
    '--namespace', opts.namespace,
    '--log-format', 'json',
    '--log-level', 'warn',
    ...(opts.temporalUi ? ['--ui-port', String(uiPort), ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : [])] : ['--headless']),
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  const proc = await startProcess({
    name: 'Temporal dev server',
    command: bin,
    args,
    logFile: join(logDir, 'temporal.log'),
    isReady: () => isTemporalReady(address, opts.namespace),
    readyTimeoutMs: 90_000,
  });
  return { proc, address, uiUrl: opts.temporalUi ? `http://127.0.0.1:${uiPort}` : null };
}

async function startFerretDb(bin: string, opts: StackOptions, logDir: string) {
  const port = await freePort(opts.preferredPorts?.mongo ?? 0);
  const dir = resolve(opts.dataDir, 'ferretdb');
  await mkdir(dir, { recursive: true });
  const uri = `mongodb://127.0.0.1:${port}/loro`;
  const proc = await startProcess({
    name: 'FerretDB',
    command: bin,
    args: [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--listen-addr=127.0.0.1:${port}`,
      '--telemetry=disable',
      '--debug-addr=-',
      `--state-dir=${dir}`,
      '--log-level=warn',
    ],
    logFile: join(logDir, 'ferretdb.log'),
    isReady: () => isMongoReady(uri),
  });
  return { proc, uri };
}

export async function startLocalStack(opts: StackOptions): Promise<LocalStack> {
  const dataDir = resolve(opts.dataDir);
  const logDir = join(dataDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const o = { ...opts, dataDir };
  const ext = opts.external ?? {};
  const processes: ManagedProcess[] = [];
  let sink: MailSink | undefined;
  const stop = async () => {
    await Promise.all([...processes.map((p) => p.stop()), sink?.stop()]);
  };
  try {
    // Builds first (cached after the first run), in parallel: they are the slow part of a cold start.
    const [temporalBin, ferretBin] = await Promise.all([
      ext.temporalAddress ? undefined : ensureTemporalCli(opts.cacheDir, opts.progress),
      ext.mongoUri ? undefined : ensureFerretDb(opts.cacheDir, opts.progress),
    ]);
    const [temporal, mongo] = await Promise.all([
      temporalBin ? startTemporal(temporalBin, o, logDir).then((t) => (processes.push(t.proc), t)) : undefined,
      ferretBin ? startFerretDb(ferretBin, o, logDir).then((m) => (processes.push(m.proc), m)) : undefined,
      ext.smtpUrl
        ? undefined
        : startMailSink({
            dir: join(dataDir, 'mail'),
            smtpPort: opts.preferredPorts?.smtp && (await freePort(opts.preferredPorts.smtp)),
            httpPort: opts.preferredPorts?.mailHttp && (await freePort(opts.preferredPorts.mailHttp)),
          }).then((s) => (sink = s)),
    ]);
    return {
      temporalAddress: ext.temporalAddress ?? temporal!.address,
      temporalUiUrl: temporal?.uiUrl ?? null,
      mongoUri: ext.mongoUri ?? mongo!.uri,
      smtpUrl: ext.smtpUrl ?? sink!.smtpUrl,
      mailSinkUrl: sink?.httpUrl ?? null,
      logDir,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
