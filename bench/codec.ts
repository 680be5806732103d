/**
 * The payload-encryption benchmark: what the encrypting codec (lib/crypto/payload-codec.ts) costs.
 *
 *  1. per payload, in process: default converter + codec encode/decode (in-memory keyring) vs the default
 *     converter alone, for a workflow input, an activity result and a 4 KiB value
 *  2. end to end on the embedded stack (Temporal dev server, FerretDB, mail sink; temp dir, free ports):
 *     N onboarding runs (signal-with-start so they complete at once: 3 activities with real MongoDB and SMTP,
 *     a signal, a result), C at a time, with the encrypting data converter on the MongoDB keyring (client and
 *     worker) vs the same without a codec, on two task queues served by two workers of this process. Blocks run
 *     in pairs (plain + encrypted, the order alternating from pair to pair), so load drifts hit both alike; the
 *     wall-time ratio is the median of the per-pair ratios. The CPU time of this process (client, workers and
 *     codec all run in it) per workflow is reported too: it shows the codec's own cost with much less noise
 *     than wall time on a shared machine. Target: ratio ≤ 1.15.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type DataConverter, type Payload } from '@temporalio/common';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig } from '../config/index.ts';
import { startLocalStack } from '../services/stack.ts';
import { workflowIds } from '../contracts/workflow-ids.ts';
import { EncryptionCodec } from '../lib/crypto/payload-codec.ts';
import { createDataConverter, workflowBundleConverterOptions } from '../lib/crypto/data-converter.ts';
import { createKeyring } from '../lib/crypto/mongo-keyring.ts';
import type { DataKey, Keyring } from '../lib/crypto/keyring.ts';
import { connectMongo } from '../lib/mongo.ts';
import { createMailer } from '../lib/mailer.ts';
import { createLogger } from '../lib/logger.ts';
import { installRuntimeLogger } from '../worker/runtime-logger.ts';
import { createModels, syncIndexes } from '../models/index.ts';
import { activityDeps, createActivities } from '../activities/index.ts';
import { workflowsPath } from '../worker/create-worker.ts';
import { accountOnboarding, ownerSignedInSignal } from '../workflows/account-onboarding.ts';
import { onCleanup, tempDir } from './lib/proc.ts';
import { median, summarize } from './lib/stats.ts';
import { BenchFailure, type BenchContext, type Row } from './lib/report.ts';

export const description = 'payload codec: µs per payload, and onboarding workflow throughput with vs without encryption';

const N = {
  microRounds: 7,
  microIterations: 2_000,
  workflowsPerBlock: 20,
  pairs: 6,
  concurrency: 8,
  warmup: 8,
};

/** The in-memory keyring of part 1: keys created on first use, nothing else (no DB in the measurement). */
class BenchKeyring implements Keyring {
  private readonly keys = new Map<string, DataKey>();
  async dataKeyFor(ownerId: string) {
    let key = [...this.keys.values()].find((k) => k.ownerId === ownerId);
    if (!key) this.keys.set((key = { keyId: `dk_${randomBytes(16).toString('hex')}`, ownerId, key: randomBytes(32) }).keyId, key);
    return key;
  }
  async dataKeyById(keyId: string) {
    return this.keys.get(keyId)!;
  }
  async destroy(): Promise<{ keyIds: string[]; destroyedAt: Date }> {
    throw new Error('not in the bench');
  }
}

async function micro(ctx: BenchContext, rows: Row[]) {
  const accountId = `acc_${randomBytes(16).toString('hex')}`;
  const context = { type: 'workflow', namespace: 'default', workflowId: workflowIds.accountOnboarding(accountId) } as const;
  const codec = new EncryptionCodec({ keyring: new BenchKeyring() });
  const values: [string, unknown][] = [
    ['workflow input { accountId }', { accountId }],
    ['activity result (send-once)', { status: 'sent', messageId: `<${randomBytes(16).toString('hex')}@loro.engine>`, key: `${context.workflowId}:welcome`, attempts: 1 }],
    ['4 KiB value', { blob: randomBytes(3 * 1024).toString('base64') }],
  ];
  for (const [label, value] of values) {
    const plain = async () => {
      const p = defaultPayloadConverter.toPayload(value);
      defaultPayloadConverter.fromPayload(p);
    };
    const encrypted = async () => {
      const [e] = await codec.encode([defaultPayloadConverter.toPayload(value)], context);
      const [d] = await codec.decode([e as Payload]);
      defaultPayloadConverter.fromPayload(d as Payload);
    };
    const perPayload = async (fn: () => Promise<void>) => {
      const t0 = performance.now();
      for (let i = 0; i < N.microIterations; i++) await fn();
      return ((performance.now() - t0) * 1000) / N.microIterations;
    };
    await perPayload(plain);
    await perPayload(encrypted);
    const samples = { plain: [] as number[], encrypted: [] as number[] };
    for (let r = 0; r < N.microRounds; r++) {
      samples.plain.push(await perPayload(plain));
      samples.encrypted.push(await perPayload(encrypted));
    }
    const size = defaultPayloadConverter.toPayload(value).data!.length;
    ctx.detail(`micro ${label}`, samples);
    rows.push({
      section: '1 per payload (in process)',
      metric: `${label}, ${size} B: convert + encrypt + decrypt + convert back`,
      value: median(samples.encrypted),
      unit: 'µs',
      baseline: { label: 'convert + convert back', value: median(samples.plain), unit: 'µs' },
      note: `median of ${N.microRounds} × ${N.microIterations}; in-memory keyring`,
    });
  }
}

async function endToEnd(ctx: BenchContext, rows: Row[]) {
  const dir = await tempDir('codec');
  const { cacheDir } = loadConfig({});
  // The SDK's own logs (worker state changes) only from warnings up: the bench's progress stays readable.
  installRuntimeLogger(createLogger('worker', 'warn'), 'WARN');
  ctx.log('starting the embedded stack and bundling the workflows');
  const [stack, bundle] = await Promise.all([
    startLocalStack({ dataDir: dir, cacheDir, namespace: 'default', temporalUi: false, progress: (l) => ctx.log(l) }),
    bundleWorkflowCode({ workflowsPath, ...workflowBundleConverterOptions, logger: { trace() {}, debug() {}, info() {}, log() {}, warn: (m: string) => ctx.log(m), error: (m: string) => ctx.log(m) } as never }),
  ]);
  onCleanup(() => stack.stop());
  const mongoUri = new URL(stack.mongoUri);
  mongoUri.pathname = '/loro_bench_codec';
  const config = loadConfig({
    NODE_ENV: 'test',
    LORO_DATA_DIR: dir,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    MONGODB_URI: mongoUri.toString(),
    SMTP_URL: stack.smtpUrl,
    LOG_LEVEL: 'silent',
  });
  const mongo = await connectMongo(mongoUri.toString());
  onCleanup(() => mongo.close());
  const keyring = await createKeyring(mongo, config);
  const models = createModels(mongo, keyring);
  await syncIndexes(models);
  const mailer = createMailer(stack.smtpUrl, config.mailFrom);
  onCleanup(() => mailer.close());
  const connection = await Connection.connect({ address: stack.temporalAddress });
  onCleanup(() => connection.close());
  const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  onCleanup(() => nativeConnection.close());

  const encrypting = createDataConverter(keyring);
  const variant = async (taskQueue: string, dataConverter: DataConverter | undefined) => {
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: { code: bundle.code },
      activities: createActivities(activityDeps(config, { models, mailer, keyring })),
      // As createWorker does: the failure converter always matches the bundle's.
      dataConverter: { ...dataConverter, ...workflowBundleConverterOptions },
      shutdownGraceTime: '1s',
    });
    const running = worker.run();
    onCleanup(async () => {
      worker.shutdown();
      await running;
    });
    return { taskQueue, client: new Client({ connection, ...(dataConverter ? { dataConverter } : {}) }) };
  };
  const plain = await variant('bench-plain', undefined);
  const encrypted = await variant('bench-encrypted', encrypting);

  /** Accounts first (not timed), then the block: n onboardings, c at a time; returns wall time and latencies. */
  const block = async (v: typeof plain, n: number, c: number) => {
    const accountIds = Array.from({ length: n }, () => `acc_${randomBytes(16).toString('hex')}`);
    await models.Account.insertMany(
      accountIds.map((id) => ({ _id: id, name: 'Bench Plumbing', owner: { name: 'Bea Bench', email: `bea+${id}@bench.example` } })),
    );
    const latencies: number[] = [];
    let next = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (next < n) {
          const accountId = accountIds[next++]!;
          const s0 = performance.now();
          const handle = await v.client.workflow.signalWithStart(accountOnboarding, {
            taskQueue: v.taskQueue,
            workflowId: workflowIds.accountOnboarding(accountId),
            args: [{ accountId }],
            signal: ownerSignedInSignal,
            signalArgs: [],
          });
          const outcome = await handle.result();
          if (outcome !== 'completed') throw new Error(`onboarding of ${accountId} ended ${outcome}`);
          latencies.push(performance.now() - s0);
        }
      }),
    );
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, latencies };
  };

  ctx.log(`warm-up: ${N.warmup} onboardings per variant`);
  await block(plain, N.warmup, N.concurrency);
  await block(encrypted, N.warmup, N.concurrency);
  type BlockResult = Awaited<ReturnType<typeof block>>;
  const results = { plain: [] as BlockResult[], encrypted: [] as BlockResult[] };
  const n = N.workflowsPerBlock;
  for (let i = 0; i < N.pairs; i++) {
    const order = i % 2 === 0 ? (['plain', 'encrypted'] as const) : (['encrypted', 'plain'] as const);
    for (const name of order) {
      const r = await block(name === 'plain' ? plain : encrypted, n, N.concurrency);
      results[name].push(r);
      ctx.log(`pair ${i + 1}/${N.pairs} ${name}: ${n} onboardings in ${(r.wallMs / 1000).toFixed(2)} s, CPU ${(r.cpuMs / 1000).toFixed(2)} s`);
    }
  }
  ctx.detail('end to end', results);
  const per = (rs: BlockResult[], key: 'wallMs' | 'cpuMs') => median(rs.map((r) => r[key] / n));
  const pairRatio = (key: 'wallMs' | 'cpuMs') => median(results.encrypted.map((e, i) => e[key] / results.plain[i]![key]));
  const latency = (rs: BlockResult[]) => summarize(rs.flatMap((r) => r.latencies));
  const [pl, el] = [latency(results.plain), latency(results.encrypted)];
  const section = `2 onboarding end to end (${N.pairs} pairs × ${n}, ${N.concurrency} at a time)`;
  rows.push(
    {
      section,
      metric: 'wall time per workflow (1 / throughput), encrypted',
      value: per(results.encrypted, 'wallMs'),
      unit: 'ms',
      baseline: { label: 'no codec', value: per(results.plain, 'wallMs'), unit: 'ms' },
      note: `median of per-pair ratios ${pairRatio('wallMs').toFixed(2)}×; ${(1000 / per(results.encrypted, 'wallMs')).toFixed(1)} vs ${(1000 / per(results.plain, 'wallMs')).toFixed(1)} workflows/s; target ≤ 1.15×`,
    },
    {
      section,
      metric: 'CPU time of client + worker per workflow, encrypted',
      value: per(results.encrypted, 'cpuMs'),
      unit: 'ms',
      baseline: { label: 'no codec', value: per(results.plain, 'cpuMs'), unit: 'ms' },
      note: `median of per-pair ratios ${pairRatio('cpuMs').toFixed(2)}×; this process only (Temporal and FerretDB run apart)`,
    },
    { section, metric: 'latency start → result p50, encrypted', value: el.p50, unit: 'ms', baseline: { label: 'no codec', value: pl.p50, unit: 'ms' } },
    { section, metric: 'latency start → result p95, encrypted', value: el.p95, unit: 'ms', baseline: { label: 'no codec', value: pl.p95, unit: 'ms' } },
  );
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  try {
    ctx.log('per-payload microbench');
    await micro(ctx, rows);
    await endToEnd(ctx, rows);
  } catch (err) {
    throw new BenchFailure(err, rows);
  }
  return rows;
}
