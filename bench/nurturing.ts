/**
 * The nurturing benchmark: BENCH_NURTURING (default 10,000) leads enrolled through the API into a 3-step sequence
 * (mail, wait 1 s, mail) and run to completion on the embedded stack, with a real SMTP conversation per mail.
 *
 *  - enrollments/s: POST /api/sequences/:id/enrollments, 32 at a time
 *  - sends/s and the whole run's wall time per workflow, vs the same number of no-op workflows (each completes in
 *    its first task) started and awaited the same way on the same worker and server: target ≤ 2× per workflow.
 *    The no-ops run before the nurturing and again after it (skipped with BENCH_NURTURING_NOOP_AFTER=0): the
 *    server's database grows by every execution, so the first run has the emptier server.
 *  - lag between a mail's scheduled and actual time: the first mail is due at enrolment (the send window is always
 *    open), the second 1 s after the first was sent; actual = the ledger's `sent` record. p50/p95.
 *  - worker memory: peak RSS of this process (worker, API and client all run here) vs before the run.
 *  - a second baseline (skipped with BENCH_NURTURING_SHAPE=0): as many workflows of the nurturing's shape whose
 *    activities do nothing — what Temporal alone costs for it.
 *
 * The leads are spread over 100 accounts (the per-account send throttle is raised to its maximum so it does not
 * pace the run; the throttle itself is tested elsewhere).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createDataConverter, workflowBundleConverterOptions } from '../lib/crypto/data-converter.ts';
import { createMailer } from '../lib/mailer.ts';
import { createLogger } from '../lib/logger.ts';
import { installRuntimeLogger } from '../worker/runtime-logger.ts';
import { activityDeps, createActivities } from '../activities/index.ts';
import { startBenchApi } from './lib/api-stack.ts';
import { nurturingStateQuery } from '../workflows/lead-nurturing.ts';
import { onCleanup } from './lib/proc.ts';
import { summarize } from './lib/stats.ts';
import { cpuSince, cpuSnapshot } from './lib/process-cpu.ts';
import { BenchFailure, type BenchContext, type Row } from './lib/report.ts';
import { ALWAYS_OPEN } from '../test/fixtures/sequences.ts';

export const description = 'lead nurturing: 10,000 enrollments into a 3-step sequence run to completion vs as many no-op workflows';

const N = {
  leads: Number(process.env.BENCH_NURTURING ?? 10_000),
  accounts: 100,
  concurrency: 32,
  waitSeconds: 1,
  activities: Number(process.env.BENCH_NURTURING_ACTIVITIES ?? 16),
  /** BENCH_NURTURING_SHAPE=0 skips the second baseline (it doubles a 10,000-lead run). */
  shapeBaseline: process.env.BENCH_NURTURING_SHAPE !== '0',
  /** BENCH_NURTURING_NOOP_AFTER=0 skips the no-ops run again after the nurturing. */
  noopAfter: process.env.BENCH_NURTURING_NOOP_AFTER !== '0',
};

/**
 * Runs `fn` over `items`, `c` at a time. After a failure no new item starts, and the first failure is thrown once
 * the calls in flight have settled: nothing is left running (or retrying) when the bench cleans up.
 */
async function pool<T>(items: T[], c: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  let failure: { err: unknown } | null = null;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (!failure && next < items.length) {
        await fn(items[next++]!).catch((err: unknown) => (failure ??= { err }));
      }
    }),
  );
  if (failure) throw (failure as { err: unknown }).err;
}

type Cpu = ReturnType<typeof cpuSince>;
const cpuTotal = (c: Cpu) => c.self + c.temporal + c.ferretdb;
/** CPU per workflow, all programs and each, against the no-ops': where the cost goes, less noisy than wall time. */
function cpuRows(section: string, run: Cpu, noop: Cpu): Row[] {
  const per = (ms: number) => ms / N.leads;
  const row = (metric: string, value: number, base: number, note?: string): Row => ({
    section,
    metric,
    value: per(value),
    unit: 'ms',
    baseline: { label: 'no-op workflow', value: per(base), unit: 'ms' },
    ...(note ? { note } : {}),
  });
  return [
    row('CPU per workflow, all programs', cpuTotal(run), cpuTotal(noop), 'this process + Temporal server + FerretDB (/proc); 2 cores'),
    row('  of which worker + API + client (this process)', run.self, noop.self),
    row('  of which Temporal server', run.temporal, noop.temporal),
    row('  of which FerretDB', run.ferretdb, noop.ferretdb, 'the no-ops touch no database'),
  ];
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  try {
    installRuntimeLogger(createLogger('worker', 'warn'), 'WARN');
    const [api, bundle] = await Promise.all([
      startBenchApi(ctx, { name: 'nurturing', role: 'ops', logLevel: 'error' }),
      bundleWorkflowCode({
        workflowsPath: fileURLToPath(new URL('./lib/bench-workflows.ts', import.meta.url)),
        ...workflowBundleConverterOptions,
        logger: { trace() {}, debug() {}, info() {}, log() {}, warn: (m: string) => ctx.log(m), error: (m: string) => ctx.log(m) } as never,
      }),
    ]);
    const { deps, config, baseUrl, cookie } = api;
    const { models } = deps;
    const bundlePath = join(api.dir, 'workflow-bundle.js');
    await writeFile(bundlePath, bundle.code);
    const mailer = createMailer(config.smtpUrl, config.mailFrom);
    onCleanup(() => mailer.close());
    const connection = await NativeConnection.connect({ address: config.temporal.address });
    onCleanup(() => connection.close());
    // As worker/create-worker.ts builds it, plus the baseline's do-nothing activity.
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowBundle: { codePath: bundlePath },
      activities: { ...createActivities(activityDeps({ ...config, nurturing: { sendsPerMinute: 60_000 } }, { models, mailer, keyring: deps.keyring })), benchNoopActivity: async () => {} },
      dataConverter: { ...createDataConverter(deps.keyring), ...workflowBundleConverterOptions },
      shutdownGraceTime: '1s',
      // FerretDB's SQLite backend takes one writer at a time: 100 activities at once only queue up and time out.
      maxConcurrentActivityTaskExecutions: N.activities,
      maxConcurrentLocalActivityExecutions: N.activities,
    });
    const running = worker.run();
    onCleanup(async () => {
      worker.shutdown();
      await running;
    });
    let serverErrors = 0;
    const post = async (path: string, body: unknown, retries = 3): Promise<Record<string, unknown>> => {
      // A refused or reset connection, or a 5xx, is retried as a client of the API would: enrolling and creating
      // here are idempotent (an enrollment answers with the existing one). 5xx answers are counted and reported;
      // the API logs their cause (level error).
      const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) }).catch((err: unknown) => (retries > 0 ? null : Promise.reject(err)));
      if (!res) return post(path, body, retries - 1);
      if (res.status >= 500 && retries > 0) {
        serverErrors++;
        ctx.log(`POST ${path}: HTTP ${res.status} ${await res.text()} — retrying`);
        return post(path, body, retries - 1);
      }
      if (res.status >= 300) throw new Error(`POST ${path}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    };

    // Accounts, one sequence each, leads with marketing consent (not timed).
    ctx.log(`creating ${N.accounts} accounts, their sequences and ${N.leads} leads`);
    const accounts = Array.from({ length: N.accounts }, () => `acc_${randomBytes(16).toString('hex')}`);
    await models.Account.insertMany(accounts.map((_id) => ({ _id, name: 'Bench Solar', owner: { name: 'Bea Bench', email: `owner+${_id}@bench.example` } })));
    const sequenceOf = new Map<string, string>();
    for (const accountId of accounts) {
      const created = await post('/api/sequences', {
        accountId,
        definition: {
          name: 'Three steps',
          sendWindow: ALWAYS_OPEN,
          steps: [
            { id: 'intro', type: 'email', category: 'marketing', subject: 'Hello {{lead.firstName}}', body: 'Solar for {{lead.company}}: https://bench.example/offer' },
            { id: 'pause', type: 'wait', duration: `PT${N.waitSeconds}S` },
            { id: 'follow-up', type: 'email', category: 'marketing', subject: 'Still interested?', body: 'Regards, {{sender.name}}' },
          ],
        },
      });
      sequenceOf.set(accountId, created.id as string);
    }
    const leads = Array.from({ length: N.leads }, (_, i) => ({ _id: `led_${randomBytes(16).toString('hex')}`, accountId: accounts[i % N.accounts]! }));
    for (let i = 0; i < leads.length; i += 1000) {
      const chunk = leads.slice(i, i + 1000);
      await models.Lead.insertMany(chunk.map((l, j) => ({ ...l, name: `Lee Lead${i + j}`, email: `lead${i + j}.${l._id}@bench.example`, company: 'Prospect Ltd', timeZone: 'Europe/Vienna' })));
      await models.Consent.insertMany(chunk.map((l) => ({ accountId: l.accountId, subjectType: 'lead', subjectId: l._id, category: 'marketing', granted: true, policyVersion: '1', source: 'api', at: new Date(), seq: 1 })));
    }

    /** As many baseline workflows as leads, started and awaited through the same client, worker and server. */
    const runBaseline = async (workflowType: string, args: unknown[], label: string) => {
      ctx.log(`baseline (${label}): ${N.leads} ${workflowType} workflows, ${N.concurrency} starts at a time`);
      const t = performance.now();
      const cpuAtStart = cpuSnapshot();
      const ids = leads.map((l) => `bench-${label}-${l._id}`);
      await pool(ids, N.concurrency, async (workflowId) => {
        await deps.temporal.workflow.start(workflowType, { taskQueue: config.temporal.taskQueue, workflowId, args });
      });
      const startedMs = performance.now() - t;
      await pool(ids, N.concurrency, async (workflowId) => {
        await deps.temporal.workflow.getHandle(workflowId).result();
      });
      const ms = performance.now() - t;
      ctx.log(`${label}: ${N.leads} in ${(ms / 1000).toFixed(1)} s`);
      return { ms, startedMs, cpu: cpuSince(cpuAtStart) };
    };
    const { ms: noopMs, startedMs: noopStartedMs, cpu: noopCpu } = await runBaseline('benchNoop', [], 'noop-before');
    // The nurturing's shape with do-nothing activities: what Temporal alone costs for it.
    const shape = N.shapeBaseline ? await runBaseline('benchNurturingShape', [N.waitSeconds * 1000], 'shape') : null;

    // The run: enrol through the API, then wait until every enrollment has completed.
    const cpuBefore = cpuSnapshot();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 500);
    onCleanup(() => clearInterval(sampler));
    ctx.log(`enrolling ${N.leads} leads through the API, ${N.concurrency} at a time`);
    const enrolledAt = new Map<string, number>();
    const t0 = performance.now();
    const wall0 = Date.now();
    await pool(leads, N.concurrency, async (lead) => {
      const at = Date.now();
      const e = await post(`/api/sequences/${sequenceOf.get(lead.accountId)}/enrollments`, { leadId: lead._id });
      enrolledAt.set(e.workflowId as string, at);
    });
    const enrolMs = performance.now() - t0;
    ctx.log(`enrolled in ${(enrolMs / 1000).toFixed(1)} s; waiting for completion`);
    // Awaited like the baselines' workflows (a query of the enrollments would read the whole collection on FerretDB).
    let finished = 0;
    await pool([...enrolledAt.keys()], N.concurrency, async (workflowId) => {
      await deps.temporal.workflow.getHandle(workflowId).result();
      if (++finished % 1000 === 0) ctx.log(`${finished} / ${N.leads} enrollments finished`);
    });
    const runMs = performance.now() - t0;
    const cpu = cpuSince(cpuBefore);
    clearInterval(sampler);
    // Run again afterwards: the server's database then holds as many executions as the nurturing run faced.
    const noopAfter = N.noopAfter ? await runBaseline('benchNoop', [], 'noop-after') : null;
    // An enrollment that did not complete, or lacks a mail, fails the run — after the figures are reported, with what
    // each such enrollment recorded (its outcome and log, and the ledger's records).
    const problems: string[] = [];
    const explain = async (workflowId: string, what: string) => {
      const [ledger, state] = await Promise.all([
        models.Notification.find({ _id: { $in: [`${workflowId}:intro:1`, `${workflowId}:follow-up:1`] } }, { status: 1, sentAt: 1 }).lean(),
        deps.temporal.workflow.getHandle(workflowId).query(nurturingStateQuery).catch((err: Error) => err.message),
      ]);
      problems.push(`enrollment ${workflowId} ${what}: ledger ${JSON.stringify(ledger)}; its log ${JSON.stringify(typeof state === 'string' ? state : state.log)}`);
    };
    for (const e of await models.Enrollment.find({ status: { $ne: 'completed' } }, { status: 1, outcome: 1 }).limit(5).lean()) {
      await explain(e._id, `ended ${e.status} (${JSON.stringify(e.outcome)})`);
    }

    // Lag: the ledger's records of both mails of every enrollment.
    const sentAt = new Map<string, Date>();
    for await (const n of models.Notification.find({ kind: 'nurturing.marketing' }, { sentAt: 1 }).lean().cursor()) if (n.sentAt) sentAt.set(n._id, n.sentAt);
    const lags: number[] = [];
    let sends = 0;
    let lastSend = 0;
    for (const [workflowId, at] of enrolledAt) {
      const first = sentAt.get(`${workflowId}:intro:1`);
      const second = sentAt.get(`${workflowId}:follow-up:1`);
      if (!first || !second) {
        if (problems.length < 10) await explain(workflowId, 'lacks a sent mail in the ledger');
        continue;
      }
      sends += 2;
      lastSend = Math.max(lastSend, second.getTime());
      lags.push(first.getTime() - at, second.getTime() - first.getTime() - N.waitSeconds * 1000);
    }
    const lag = summarize(lags);
    ctx.detail('lag', lag);
    const sendSpan = (lastSend - wall0) / 1000;

    const section = `nurturing ${N.leads} leads × 3 steps (mail, wait ${N.waitSeconds} s, mail), ${N.accounts} accounts`;
    const perWorkflow = runMs / N.leads;
    const noopPerWorkflow = noopMs / N.leads;
    rows.push(
      {
        section,
        metric: 'enrollments/s through the API',
        value: N.leads / (enrolMs / 1000),
        unit: '/s',
        baseline: { label: 'no-op workflow starts/s', value: N.leads / (noopStartedMs / 1000), unit: '/s' },
        ...(serverErrors ? { note: `${serverErrors} answered 5xx and were retried (the API's log says why)` } : {}),
      },
      { section, metric: 'sends/s (enrolment start → last mail sent)', value: sends / sendSpan, unit: '/s', note: `${sends} mails over real SMTP to the sink` },
      {
        section,
        metric: 'wall time per workflow (run / workflows)',
        value: perWorkflow,
        unit: 'ms',
        baseline: { label: 'no-op workflow', value: noopPerWorkflow, unit: 'ms' },
        note: `${(runMs / 1000).toFixed(1)} s vs ${(noopMs / 1000).toFixed(1)} s for the no-ops; target ≤ 2×`,
      },
      ...(noopAfter === null
        ? []
        : [
            {
              section,
              metric: 'wall time per workflow vs no-ops run afterwards',
              value: perWorkflow,
              unit: 'ms',
              baseline: { label: 'no-op workflow, after the run', value: noopAfter.ms / N.leads, unit: 'ms' },
              note: 'the server’s database as large as during the nurturing run (it grows by every execution)',
            },
          ]),
      ...(shape === null
        ? []
        : [
            {
              section,
              metric: 'wall time per workflow vs the same shape with do-nothing activities',
              value: perWorkflow,
              unit: 'ms',
              baseline: { label: '3 no-op local activities + 1 s timer', value: shape.ms / N.leads, unit: 'ms' },
              note: 'what the engine’s own I/O (FerretDB, SMTP, keyring) adds to Temporal’s cost of the shape',
            },
            {
              section,
              metric: 'CPU per workflow vs the same shape with do-nothing activities',
              value: cpuTotal(cpu) / N.leads,
              unit: 'ms',
              baseline: { label: '3 no-op local activities + 1 s timer', value: cpuTotal(shape.cpu) / N.leads, unit: 'ms' },
              note: `the shape alone: ${(cpuTotal(shape.cpu) / cpuTotal(noopCpu)).toFixed(2)}× a no-op’s CPU`,
            },
          ]),
      ...cpuRows(section, cpu, noopCpu),
      { section, metric: 'lag scheduled → sent, p50', value: lag.p50, unit: 'ms' },
      { section, metric: 'lag scheduled → sent, p95', value: lag.p95, unit: 'ms', note: `max ${Math.round(lag.max)} ms over ${lag.n} mails` },
      { section, metric: 'peak RSS of worker + API + client process', value: rssPeak / 2 ** 20, unit: 'MiB', baseline: { label: 'before the run', value: rssBefore / 2 ** 20, unit: 'MiB' } },
    );
    if (problems.length) throw new Error(`not every enrollment completed with both mails sent:\n${problems.join('\n')}`);
  } catch (err) {
    throw new BenchFailure(err, rows);
  }
  return rows;
}
