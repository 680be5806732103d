/** The local services module: real processes, readiness by protocol, persistence across restarts, clear failures. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../../config/index.ts';
import { startLocalStack } from '../../services/stack.ts';
import { ServiceStartError, startProcess } from '../../services/process.ts';
import { freePort } from '../../services/ports.ts';
import { createMailer } from '../../lib/mailer.ts';
import { listMessages } from '../../services/mail-sink.ts';
import { inject } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'loro-services-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** PIDs of live processes whose environment holds `entry` (the children of a CLI inherit its data dir). */
async function processesWithEnv(entry: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  const found: number[] = [];
  for (const pid of pids) {
    const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (env.split('\0').includes(entry)) found.push(Number(pid));
  }
  return found;
}

/** Runs a CLI entry point to its end; returns exit code, stderr and how long it took. */
function runCli(entry: string, env: Record<string, string>, timeoutMs = 60_000) {
  return new Promise<{ code: number | null; stderr: string; ms: number }>((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, entry)], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} hung for ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Date.now() - started });
    });
  });
}

describe('startLocalStack', () => {
  it('starts Temporal, FerretDB and the mail sink, and a restart keeps running workflows and data', async () => {
    const dataDir = await tempDir();
    const { cacheDir } = loadConfig({});
    const options = { dataDir, cacheDir, namespace: 'default', progress: () => {} };
    let stack = await startLocalStack(options);
    const workflowId = `persist-${Date.now()}`;
    try {
      const client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
      // Nobody polls this queue: the workflow simply stays running, as one waiting for a timer would.
      await client.workflow.start('accountOnboarding', { taskQueue: 'nobody-polls', workflowId, args: [{ accountId: 'acc_x' }] });
      await client.connection.close();
      const mongo = await MongoClient.connect(stack.mongoUri);
      await mongo.db().collection('probe').insertOne({ _id: 'kept' as never, v: 1 });
      await mongo.close();
      const mailer = createMailer(stack.smtpUrl, 'sink-test@loro.example');
      await mailer.send({ to: 'probe@test.loro.example', subject: 'sink probe', text: 'x', messageId: '<probe@loro.engine>' });
      mailer.close();
    } finally {
      await stack.stop();
    }

    stack = await startLocalStack(options);
    try {
      const client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
      expect((await client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
      await client.workflow.getHandle(workflowId).terminate('test done');
      await client.connection.close();
      const mongo = await MongoClient.connect(stack.mongoUri);
      expect(await mongo.db().collection('probe').findOne({ _id: 'kept' as never })).toMatchObject({ v: 1 });
      await mongo.close();
      expect((await listMessages(join(dataDir, 'mail'))).map((m) => m.subject)).toEqual(['sink probe']);
    } finally {
      await stack.stop();
    }
  });

  it('uses a service given by address instead of starting one', async () => {
    const dataDir = await tempDir();
    const { cacheDir } = loadConfig({});
    const stack = await startLocalStack({
      dataDir,
      cacheDir,
      namespace: 'default',
      progress: () => {},
      external: { temporalAddress: inject('temporalAddress'), mongoUri: inject('mongoUri'), smtpUrl: inject('smtpUrl') },
    });
    expect(stack).toMatchObject({ temporalAddress: inject('temporalAddress'), mongoUri: inject('mongoUri'), smtpUrl: inject('smtpUrl'), mailSinkUrl: null });
    await stack.stop();
  });
});

describe('startProcess', () => {
  it('reports a service that exits during start with its log, at once', async () => {
    const logFile = join(await tempDir(), 'x.log');
    const started = Date.now();
    const err = await startProcess({ name: 'Broken', command: 'sh', args: ['-c', 'echo "bind: address already in use" >&2; exit 3'], logFile, isReady: async () => false }).catch((e) => e);
    expect(err).toBeInstanceOf(ServiceStartError);
    expect(err.message).toBe(`Broken failed to start: exited with code 3: bind: address already in use (log: ${logFile})`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up on a service that never becomes ready, and stops it', async () => {
    const logFile = join(await tempDir(), 'x.log');
    const err = await startProcess({ name: 'Silent', command: 'sleep', args: ['30'], logFile, isReady: async () => false, readyTimeoutMs: 600 }).catch((e) => e);
    expect(err).toBeInstanceOf(ServiceStartError);
    expect(err.message).toMatch(/^Silent failed to start: not ready after 600 ms/);
  });
});

describe('npm start', () => {
  it('stops with one clear line when the API port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await runCli('cli/start.ts', { LORO_DATA_DIR: await tempDir(), PORT: String(port) });
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(`loro start: PORT ${port} is already in use on 127.0.0.1: stop what uses it or set PORT`);
    } finally {
      blocker.close();
    }
  });

  it('stops with one clear line, and no leftovers, when a process cannot reach its database', async () => {
    const dataDir = await tempDir();
    const { code, stderr, ms } = await runCli('cli/start.ts', {
      LORO_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      SMTP_URL: inject('smtpUrl'),
      MONGODB_URI: 'mongodb://127.0.0.1:1/unreachable',
    });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^loro start: (worker|api|scheduler) failed to start: exited with code 1: .*(ECONNREFUSED|Server selection timed out)/);
    expect(ms).toBeLessThan(60_000);
    expect(await processesWithEnv(`LORO_DATA_DIR=${dataDir}`)).toEqual([]);
  });
});
