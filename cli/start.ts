/**
 * `npm start`: the whole stack on embedded defaults — services (unless TEMPORAL_ADDRESS / MONGODB_URI /
 * SMTP_URL point elsewhere), the console build if missing, then worker, API and scheduler as child processes.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/index.ts';
import { runMain, StartupError } from '../lib/main.ts';
import { startProcess, type ManagedProcess } from '../services/process.ts';
import { freePort } from '../services/ports.ts';
import { CONSOLE_DIST } from '../lib/paths.ts';
import { startEmbeddedServices } from './embedded.ts';
import { progress } from './progress.ts';
import { buildConsole } from './build-console.ts';

/** A probe that looks only at what a log file gained after this call (logs are appended across runs). */
function logSaysSince(file: string, text: string) {
  const offset = existsSync(file) ? statSync(file).size : 0;
  return async () => (await readFile(file)).subarray(offset).toString().includes(text);
}

const graceMs = (grace: string) => {
  const [, n, unit] = /^(\d+)\s*(ms|s|m)$/.exec(grace) ?? [];
  return Number(n) * (unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1);
};

const root = fileURLToPath(new URL('..', import.meta.url));

runMain('start', async () => {
  const started = Date.now();
  const config = loadConfig();
  if ((await freePort(config.http.port, config.http.host)) !== config.http.port) {
    throw new StartupError(`PORT ${config.http.port} is already in use on ${config.http.host}: stop what uses it or set PORT`);
  }
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) {
    progress('building the console (once; `npm run build` rebuilds it)');
    await buildConsole();
  }
  const services = await startEmbeddedServices(config);
  const a = services.addresses;
  progress(`services ready — Temporal ${a.temporalAddress}, MongoDB ${a.mongoUri}, SMTP ${a.smtpUrl}`);

  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: a.temporalAddress,
    MONGODB_URI: a.mongoUri,
    SMTP_URL: a.smtpUrl,
    ...(a.mailSinkUrl ? { MAIL_SINK_URL: a.mailSinkUrl } : {}),
    ...(a.temporalUiUrl ? { TEMPORAL_UI_URL: a.temporalUiUrl } : {}),
  };
  const temporal = new Client({ connection: await Connection.connect({ address: a.temporalAddress }), namespace: config.temporal.namespace });
  const node = (entry: string) => ({ command: process.execPath, args: ['--import', 'tsx', join(root, entry)], env, cwd: root });
  const children: ManagedProcess[] = [];
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    // Worker, API and scheduler first (the worker finishes its activities), then the services they use.
    await Promise.all(children.map((c) => c.stop()));
    await temporal.connection.close();
    await services.stop();
  };
  try {
    const apiUrl = `${config.http.tls ? 'https' : 'http'}://${config.http.host}:${config.http.port}`;
    const launched = await Promise.all([
      startProcess({
        name: 'worker',
        ...node('worker/main.ts'),
        logFile: join(services.logDir, 'worker.log'),
        // Ready when it polls its task queue: asked of Temporal, not guessed.
        isReady: async () =>
          ((await temporal.workflowService.describeTaskQueue({ namespace: config.temporal.namespace, taskQueue: { name: config.temporal.taskQueue }, taskQueueType: 1 })).pollers ?? []).length > 0,
        readyTimeoutMs: 120_000,
        // Its own grace for running activities, plus a margin, before it is killed.
        stopTimeoutMs: graceMs(config.workerShutdownGrace) + 5_000,
      }),
      startProcess({
        name: 'api',
        ...node('api/main.ts'),
        logFile: join(services.logDir, 'api.log'),
        isReady: async () => (await fetch(`${apiUrl}/readyz`)).ok,
      }),
      startProcess({
        name: 'scheduler',
        ...node('scheduler/main.ts'),
        logFile: join(services.logDir, 'scheduler.log'),
        // It has no port: ready once this run's log says its triggers are registered.
        isReady: logSaysSince(join(services.logDir, 'scheduler.log'), 'scheduler running'),
      }),
    ]);
    children.push(...launched);
    for (const child of launched) {
      void child.exited.then((code) => {
        // During a requested shutdown children exit as asked; only an unexpected exit stops the stack.
        if (stopping) return;
        progress(`${child.name} exited (code ${code}); see ${join(services.logDir, `${child.name}.log`)} — stopping the stack`);
        process.kill(process.pid, 'SIGTERM');
      });
    }
    progress(`LORO engine is up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    progress(`  console        ${apiUrl}   (API docs ${apiUrl}/docs)`);
    if (a.temporalUiUrl) progress(`  Temporal UI    ${a.temporalUiUrl}`);
    if (a.mailSinkUrl) progress(`  mail outbox    ${apiUrl}/#/outbox  (raw: ${a.mailSinkUrl}/messages)`);
    progress(`  logs           ${services.logDir}/{api,worker,scheduler,temporal,ferretdb}.log`);
    progress('  first time? create an admin: npm run create-admin -- --email you@example.com --name "Your Name"');
    progress('Ctrl-C stops everything');
  } catch (err) {
    await stopAll();
    throw err;
  }
  return stopAll;
});
