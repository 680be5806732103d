/**
 * The workflow-list benchmark: 10,000 executions (BENCH_WORKFLOWS) of a no-op workflow, started concurrently on the
 * embedded Temporal dev server with the LORO search attributes (account, lead, region, plan date) and completed by a
 * worker of this process; once visibility counts them all (and the worker is stopped, so only the measured calls
 * use the CPU), `GET /api/workflows?pageSize=50` is paged through — next page tokens followed, from the top again at
 * the end — unfiltered and filtered by region (a tenth of them), one request at a time, ≥ 200 per side. Each API
 * request alternates with the same page fetched straight from Temporal's `listWorkflowExecutions` (the baseline:
 * what visibility itself costs). Target: p95 ≤ 300 ms at the API.
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { accountIdKey, leadIdKey, planDateKey, regionKey } from '../lib/search-attributes.ts';
import { visibilityQuery } from '../api/workflow-query.ts';
import type { WorkflowListFilters } from '../contracts/workflow-list.ts';
import { newId } from '../models/ids.ts';
import { onCleanup } from './lib/proc.ts';
import { startBenchApi, type BenchApi } from './lib/api-stack.ts';
import { summarize } from './lib/stats.ts';
import type { BenchContext, Row } from './lib/report.ts';

export const description = 'workflow list: p50/p95 of GET /api/workflows paging 10,000 executions (pageSize 50, unfiltered and by region) vs listWorkflowExecutions on Temporal (≈10 min on a quiet machine, ≈25 on a busy one: seeding dominates; BENCH_WORKFLOWS)';

const N = {
  workflows: Number(process.env.BENCH_WORKFLOWS ?? 10_000),
  startConcurrency: 32,
  pageSize: 50,
  warmUp: 20,
  requests: Number(process.env.BENCH_WORKFLOW_LIST_REQUESTS ?? 240),
  targetP95Ms: 300,
  completionTimeoutMinutes: 60,
};
const TYPE = 'benchNoop';
const TASK_QUEUE = 'bench-workflow-list';
const REGIONS = Array.from({ length: 10 }, (_, i) => `region-${i}`);
const ACCOUNTS = Array.from({ length: 100 }, () => newId('acc'));
const DAYS = Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2031, 0, 1 + i)).toISOString().slice(0, 10));

async function startAll(api: BenchApi, ctx: BenchContext) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: N.startConcurrency }, async () => {
      for (let i = next++; i < N.workflows; i = next++) {
        await api.deps.temporal.workflow.start(TYPE, {
          taskQueue: TASK_QUEUE,
          workflowId: `bench-list-${i}`,
          // While 32 starts at a time keep the dev server's SQLite busy, completing a task can take longer than the
          // default 10 s: it would time out and run again, and the seeding would crawl.
          workflowTaskTimeout: '1 minute',
          typedSearchAttributes: [
            { key: accountIdKey, value: ACCOUNTS[i % ACCOUNTS.length]! },
            { key: leadIdKey, value: newId('led') },
            { key: regionKey, value: REGIONS[i % REGIONS.length]! },
            { key: planDateKey, value: DAYS[i % DAYS.length]! },
          ],
        });
        if (i % 2000 === 1999) ctx.log(`${i + 1} started`);
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}

async function countCompleted(api: BenchApi) {
  const res = await api.deps.temporal.workflowService.countWorkflowExecutions({
    namespace: api.config.temporal.namespace,
    query: `WorkflowType = '${TYPE}' AND ExecutionStatus = 'Completed'`,
  });
  return Number(res.count ?? 0);
}

/** Pages through one list, one request at a time, alternating the API and Temporal; latencies in ms. */
async function measure(api: BenchApi, filters: WorkflowListFilters, requests: number) {
  let apiToken: string | null = null;
  let rawToken: Uint8Array | undefined;
  const apiMs: number[] = [];
  const rawMs: number[] = [];
  let rows = 0;
  const query = visibilityQuery(filters);
  for (let i = 0; i < requests; i++) {
    const params = new URLSearchParams({ pageSize: String(N.pageSize), ...filters, ...(apiToken ? { nextPageToken: apiToken } : {}) });
    const a0 = performance.now();
    const res = await fetch(`${api.baseUrl}/api/workflows?${params}`, { headers: { cookie: api.cookie } });
    const body = (await res.json()) as { executions: unknown[]; nextPageToken: string | null };
    apiMs.push(performance.now() - a0);
    if (res.status !== 200) throw new Error(`GET /api/workflows: HTTP ${res.status} ${JSON.stringify(body)}`);
    rows += body.executions.length;
    apiToken = body.nextPageToken;

    const r0 = performance.now();
    const raw = await api.deps.temporal.workflowService.listWorkflowExecutions({ namespace: api.config.temporal.namespace, pageSize: N.pageSize, query, nextPageToken: rawToken });
    rawMs.push(performance.now() - r0);
    rawToken = raw.nextPageToken?.length ? raw.nextPageToken : undefined;
  }
  return { api: summarize(apiMs), raw: summarize(rawMs), rows, samples: { apiMs, rawMs } };
}

/**
 * After the long seeding the API's MongoDB connections have been idle for many minutes, and FerretDB has answered the
 * first query on such a connection (the session look-up) with a malformed reply ("BSON element cursor is missing",
 * a 500). The warm-up lets a few such first requests fail — counted in the results — and then needs clean ones;
 * the measured requests must all succeed.
 */
async function warmUp(api: BenchApi, ctx: BenchContext) {
  const failures: number[] = [];
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      await measure(api, {}, N.warmUp);
      ctx.detail('warmUpFailures', failures);
      return;
    } catch (err) {
      failures.push(attempt);
      ctx.log(`warm-up attempt ${attempt} failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`the API kept failing after ${failures.length} warm-up attempts`);
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const api = await startBenchApi(ctx, { name: 'workflow-list', role: 'ops', logLevel: process.env.BENCH_WORKFLOW_LIST_TRACE ? 'error' : 'silent' });

  ctx.log('bundling the no-op workflow and starting a worker');
  // Webpack's statistics and the worker's state changes are noise in a bench's output; warnings still show. (When an
  // earlier benchmark of the same run created the runtime already, it keeps its logger: install refuses then.)
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    /* runtime already created */
  }
  const connection = await NativeConnection.connect({ address: api.stack.temporalAddress });
  onCleanup(() => connection.close());
  const worker = await Worker.create({
    connection,
    namespace: api.config.temporal.namespace,
    taskQueue: TASK_QUEUE,
    workflowsPath: fileURLToPath(new URL('./lib/noop-workflow.ts', import.meta.url)),
    // Each run ends in its first task: a cache (and its sticky queue, which most pollers would poll) serves nothing,
    // so every poller polls the one queue the tasks wait on.
    maxCachedWorkflows: 0,
    maxConcurrentWorkflowTaskPolls: 16,
  });
  const running = worker.run();
  let workerStopped = false;
  const stopWorker = async () => {
    if (workerStopped) return;
    workerStopped = true;
    worker.shutdown();
    await running;
  };
  onCleanup(stopWorker);

  ctx.log(`starting ${N.workflows} executions, ${N.startConcurrency} at a time`);
  const startSeconds = await startAll(api, ctx);
  const v0 = performance.now();
  let completed = 0;
  let lastLog = 0;
  // Bounded, but generously: on a loaded 2-core machine the dev server's SQLite completes only a few per second.
  const deadline = performance.now() + N.completionTimeoutMinutes * 60_000;
  while ((completed = await countCompleted(api)) < N.workflows) {
    if (performance.now() > deadline) throw new Error(`visibility shows ${completed} of ${N.workflows} completed after ${N.completionTimeoutMinutes} min`);
    if (performance.now() - lastLog > 30_000) {
      ctx.log(`visibility: ${completed} of ${N.workflows} completed`);
      lastLog = performance.now();
    }
    // Each count is a visibility query too: polled gently, so it does not slow what it waits for.
    await new Promise((r) => setTimeout(r, 2_000));
  }
  const visibleSeconds = (performance.now() - v0) / 1000;
  await stopWorker();

  const region = REGIONS[3]!;
  ctx.log(`warming up (${N.warmUp} requests per side)`);
  await warmUp(api, ctx);
  ctx.log(`paging the whole list: ${N.requests} API requests, each followed by the same page from Temporal`);
  const all = await measure(api, {}, N.requests);
  ctx.log(`paging the list filtered by region: ${N.requests} API requests, each followed by the same page from Temporal`);
  const filtered = await measure(api, { region }, N.requests);
  ctx.detail('workflowList', { workflows: N.workflows, startSeconds, visibleSeconds, pageSize: N.pageSize, all, filtered });

  const rowsOf = (label: string, m: typeof all): Row[] => [
    { section: label, metric: 'GET /api/workflows p50', value: m.api.p50, unit: 'ms', baseline: { label: 'listWorkflowExecutions p50', value: m.raw.p50, unit: 'ms' }, note: `${m.api.n} requests, ${m.rows} rows` },
    { section: label, metric: 'GET /api/workflows p95', value: m.api.p95, unit: 'ms', baseline: { label: 'listWorkflowExecutions p95', value: m.raw.p95, unit: 'ms' }, note: `max ${Math.round(m.api.max)} ms (Temporal: ${Math.round(m.raw.max)} ms)` },
    { section: label, metric: `target p95 ≤ ${N.targetP95Ms} ms`, value: m.api.p95 <= N.targetP95Ms ? 'PASS' : 'FAIL', unit: '' },
  ];
  return [
    {
      section: 'setup',
      metric: `${N.workflows.toLocaleString('en')} executions started (${N.startConcurrency} at a time)`,
      value: N.workflows / startSeconds,
      unit: 'starts/s',
      note: `${startSeconds.toFixed(1)} s; all completed and visible ${visibleSeconds.toFixed(1)} s later`,
    },
    ...rowsOf(`unfiltered, pageSize ${N.pageSize}`, all),
    ...rowsOf(`region = ${region} (1 in ${REGIONS.length}), pageSize ${N.pageSize}`, filtered),
  ];
}
