/**
 * The platform benchmark: what a developer waits for and what the local stack costs.
 *
 *  1. warm `setup` (everything cached)            vs `node -e 0` (and `npx tsx -e 0`, the launcher floor)
 *  2. `npm start` to "LORO engine is up" / readyz  vs the embedded services alone (cli/services.ts)
 *  3. idle memory of the whole process tree        vs the services alone, per process vs its counterpart there
 *                                                  (worker/api/scheduler: an idle bare `node --import tsx`)
 *  4. API: POST /api/accounts (+ welcome mail end to end), GET /api/workflows vs Temporal's
 *     listWorkflowExecutions called directly, GET /healthz vs a bare node:http server
 *  5. shutdown on SIGINT                           vs the services alone; clean exit and nothing left (PASS/FAIL)
 *  (BENCH_COLD=1) cold `setup` with fresh caches   vs warm setup
 *
 * Every process runs in a temp data dir on free ports of 127.0.0.1; loops are bounded; everything started is
 * stopped (process groups) even on error. Timings are from spawn() to the line or exit, as the bench sees it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { configSchema } from '../config/schema.ts';
import { loadConfig, type ServiceAddresses } from '../config/index.ts';
import { ferretDbPath, temporalCliPath, testServerPath } from '../services/build.ts';
import { freePort } from '../services/ports.ts';
import { isTcpOpen } from '../services/probes.ts';
import type { SinkMessage } from '../services/mail-sink.ts';
import {
  listProcs,
  processTree,
  pssKiB,
  rssKiB,
  runTimed,
  spawnTracked,
  stillRunning,
  tail,
  tempDir,
  waitForIdle,
  type ProcInfo,
  type Tracked,
} from './lib/proc.ts';
import { median, round, summarize, type Summary } from './lib/stats.ts';
import { BenchFailure, type BenchContext, type Row } from './lib/report.ts';

export const description = 'warm setup, npm start to ready, idle memory, API latencies, shutdown and orphans';

const N = {
  nodeNoop: 5,
  setupRuns: 3,
  servicesRuns: 3,
  accounts: 50,
  accountsWarmup: 2,
  workflowLists: 200,
  healthz: 500,
};
const TIMEOUT = {
  stackUp: 150_000,
  servicesUp: 90_000,
  mail: 30_000,
  shutdown: 60_000,
  orphanGrace: 5_000,
  coldSetup: 30 * 60_000,
};

const s = (ms: number) => ms / 1000;
const mib = (kib: number) => kib / 1024;

/** The environment of every child: ours, minus any LORO setting that would point it at other services or ports. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(configSchema.properties)) if (key !== 'LORO_CACHE_DIR') delete env[key];
  return { ...env, ...extra };
}

const nodeTsx = (root: string, entry: string, ...args: string[]) => [process.execPath, ['--import', 'tsx', join(root, entry), ...args]] as const;

export async function run(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  try {
    const setup = await benchSetup(ctx, rows);
    if (process.env.BENCH_COLD === '1') await benchColdSetup(ctx, rows, setup.warmMs);
    const services = await benchServicesAlone(ctx);
    const stack = await benchStart(ctx, rows, services);
    const idle = await benchMemory(ctx, rows, stack.proc.pid, services, setup.floors, 'idle');
    await benchApi(ctx, rows, stack, setup.floors);
    await benchMemory(ctx, rows, stack.proc.pid, services, setup.floors, 'after-load', idle.totalRssKiB);
    await benchShutdown(ctx, rows, stack, services);
  } catch (err) {
    throw new BenchFailure(err, rows);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// 1. setup

async function benchSetup(ctx: BenchContext, rows: Row[]) {
  const env = cleanEnv({});
  const { cacheDir } = loadConfig(env);
  const cached = [temporalCliPath(cacheDir), ferretDbPath(cacheDir), testServerPath(cacheDir)].every((p) => existsSync(p));
  const nodeMs: number[] = [];
  const tsxMs: number[] = [];
  const nodeTsxMs: number[] = [];
  const setupMs: number[] = [];
  let firstColdMs: number | undefined;
  let ownWork = '';
  const node0 = async () => {
    const r = await runTimed('node -e 0', process.execPath, ['-e', '0'], { env, cwd: ctx.root });
    nodeMs.push(r.ms);
  };
  if (!cached) {
    ctx.log(`the service builds are not all in ${cacheDir}: running setup once first (minutes), not counted as warm`);
    const r = await runTimed('setup (filling the cache)', 'npx', ['tsx', 'cli/setup.ts'], { env, cwd: ctx.root, timeoutMs: TIMEOUT.coldSetup });
    if (r.code !== 0) throw new Error(`npx tsx cli/setup.ts exited with ${r.code}:\n${tail(r.output)}`);
    firstColdMs = r.ms;
  }
  ctx.log(`warm setup ×${N.setupRuns}, interleaved with node -e 0 ×${N.nodeNoop}, npx tsx -e 0 and node --import tsx -e 0 ×${N.setupRuns}`);
  await node0(); // warms the page cache for node itself
  nodeMs.length = 0;
  for (let i = 0; i < N.setupRuns; i++) {
    await node0();
    const t = await runTimed('npx tsx -e 0', 'npx', ['tsx', '-e', '0'], { env, cwd: ctx.root });
    if (t.code !== 0) throw new Error(`npx tsx -e 0 exited with ${t.code}:\n${tail(t.output)}`);
    tsxMs.push(t.ms);
    const nt = await runTimed('node --import tsx -e 0', process.execPath, ['--import', 'tsx', '-e', '0'], { env, cwd: ctx.root });
    if (nt.code !== 0) throw new Error(`node --import tsx -e 0 exited with ${nt.code}:\n${tail(nt.output)}`);
    nodeTsxMs.push(nt.ms);
    const r = await runTimed('setup', 'npx', ['tsx', 'cli/setup.ts'], { env, cwd: ctx.root });
    if (r.code !== 0) throw new Error(`npx tsx cli/setup.ts exited with ${r.code}:\n${tail(r.output)}`);
    if (/building|fetching|creating a class-data archive/.test(r.output)) throw new Error(`setup was not warm on run ${i + 1}:\n${tail(r.output)}`);
    ownWork = r.output.match(/setup done in ([\d.]+ s)/)?.[1] ?? '?';
    setupMs.push(r.ms);
  }
  while (nodeMs.length < N.nodeNoop) await node0();
  const warmMs = median(setupMs);
  const nodeBase = { label: `node -e 0 (median of ${nodeMs.length})`, value: s(median(nodeMs)), unit: 's' };
  rows.push(
    {
      section: '1 setup (everything cached)',
      metric: `npx tsx cli/setup.ts (median of ${setupMs.length})`,
      value: s(warmMs),
      unit: 's',
      baseline: nodeBase,
      note: `setup's own work ${ownWork}; the rest is npx + tsx start${firstColdMs ? `; cache was incomplete: the first run took ${round(s(firstColdMs))} s` : ''}`,
    },
    {
      section: '1 setup (everything cached)',
      metric: `  of which launcher: npx tsx -e 0 (median of ${tsxMs.length})`,
      value: s(median(tsxMs)),
      unit: 's',
      baseline: nodeBase,
      note: `setup / launcher = ${round(warmMs / median(tsxMs))}×`,
    },
  );
  // Floors for later rows: an idle `node --import tsx` process (memory of worker/api/scheduler), its start time (CLIs).
  const idleNode = spawnTracked('idle node --import tsx', process.execPath, ['--import', 'tsx', '-e', "console.log('ready'); setInterval(() => {}, 1000)"], { env, cwd: ctx.root });
  await idleNode.waitForLine(/^ready/, 30_000);
  await delay(1000);
  const idleNodeRssKiB = rssKiB(idleNode.pid) ?? 0;
  const idleNodePssKiB = pssKiB(idleNode.pid) ?? 0;
  await idleNode.stop('SIGTERM', 5_000);
  ctx.detail('setup', { cacheDir, samplesMs: { setup: setupMs, npxTsxNoop: tsxMs, nodeTsxNoop: nodeTsxMs, nodeNoop: nodeMs }, firstColdMs: firstColdMs ?? null, idleNodeTsx: { rssKiB: idleNodeRssKiB, pssKiB: idleNodePssKiB } });
  return { warmMs, floors: { nodeTsxMs: median(nodeTsxMs), idleNodeRssKiB } };
}

interface Floors {
  /** `node --import tsx -e 0`, spawn to exit. */
  nodeTsxMs: number;
  /** VmRSS of an idle `node --import tsx` process. */
  idleNodeRssKiB: number;
}

async function benchColdSetup(ctx: BenchContext, rows: Row[], warmMs: number) {
  const [cache, gomod, gocache, m2] = await Promise.all(['cold-cache', 'gomodcache', 'gocache', 'm2'].map((l) => tempDir(l)));
  const mavenOpts = `${process.env.MAVEN_OPTS ?? ''} -Dmaven.repo.local=${m2}`.trim();
  ctx.log(`BENCH_COLD=1: cold setup with fresh LORO_CACHE_DIR, GOMODCACHE, GOCACHE and maven repo (≈10 min)`);
  const r = await runTimed('cold setup', 'npx', ['tsx', 'cli/setup.ts'], {
    env: cleanEnv({ LORO_CACHE_DIR: cache!, GOMODCACHE: gomod!, GOCACHE: gocache!, MAVEN_OPTS: mavenOpts }),
    cwd: ctx.root,
    timeoutMs: TIMEOUT.coldSetup,
  });
  if (r.code !== 0) throw new Error(`cold setup exited with ${r.code}:\n${tail(r.output)}`);
  const parts = [...r.output.matchAll(/^\[[\s\d.]+s\] (Temporal CLI|FerretDB|Temporal test server): .* \(([\d.]+) s\)$/gm)].map((m) => `${m[1]} ${m[2]} s`);
  rows.push({
    section: '1 setup (everything cached)',
    metric: 'cold setup: fresh caches (BENCH_COLD=1)',
    value: s(r.ms),
    unit: 's',
    baseline: { label: 'warm setup', value: s(warmMs), unit: 's' },
    note: parts.join(', '),
  });
  ctx.detail('coldSetup', { ms: r.ms, parts, outputTail: tail(r.output, 40) });
}

// ---------------------------------------------------------------------------------------------------------------
// 2. start

interface ServicesAlone {
  readyMs: number;
  stopMs: number;
  memory: MemorySnapshot;
}

async function benchServicesAlone(ctx: BenchContext): Promise<ServicesAlone> {
  ctx.log(`baseline: the embedded services alone (node --import tsx cli/services.ts) ×${N.servicesRuns}`);
  const ready: number[] = [];
  const stops: number[] = [];
  let memory: MemorySnapshot | undefined;
  const orphans: string[] = [];
  for (let i = 0; i < N.servicesRuns; i++) {
    const dir = await tempDir('services');
    const [cmd, args] = nodeTsx(ctx.root, 'cli/services.ts');
    const p = spawnTracked('services', cmd, [...args], { env: cleanEnv({ LORO_DATA_DIR: dir }), cwd: ctx.root });
    const line = await p.waitForLine(/services ready/, TIMEOUT.servicesUp);
    ready.push(line.at - p.startedAt);
    if (i === 0) {
      await waitForIdle(p.pid, { maxMs: 10_000 });
      memory = snapshotMemory(p.pid, 'services');
    }
    const before = processTree(p.pid);
    const t = performance.now();
    process.kill(p.pid, 'SIGINT');
    const e = await Promise.race([p.exited, delay(TIMEOUT.shutdown).then(() => undefined)]);
    if (!e) throw new Error(`cli/services.ts did not exit within ${TIMEOUT.shutdown} ms of SIGINT`);
    stops.push(e.at - t);
    orphans.push(...before.filter((q) => q.pid !== p.pid && stillRunning(q)).map(describe));
    await p.stop();
  }
  ctx.detail('servicesAlone', { readyMs: ready, stopMs: stops, memory, orphans });
  return { readyMs: median(ready), stopMs: median(stops), memory: memory! };
}

interface Stack {
  proc: Tracked;
  dir: string;
  port: number;
  baseUrl: string;
  addresses: ServiceAddresses;
}

async function benchStart(ctx: BenchContext, rows: Row[], services: ServicesAlone): Promise<Stack> {
  const dir = await tempDir('stack');
  const port = await freePort(0);
  const baseUrl = `http://127.0.0.1:${port}`;
  ctx.log(`npm start: node --import tsx cli/start.ts (LORO_DATA_DIR=${dir}, PORT=${port})`);
  if (!existsSync(join(ctx.root, 'console', 'dist', 'index.html'))) ctx.log('note: console/dist is missing, so start builds the console first (counted)');
  const [cmd, args] = nodeTsx(ctx.root, 'cli/start.ts');
  const proc = spawnTracked('start', cmd, [...args], { env: cleanEnv({ LORO_DATA_DIR: dir, PORT: String(port) }), cwd: ctx.root });
  // GET /readyz from the spawn on, every 50 ms, until it answers 200 (bounded by the start timeout / the exit).
  const readyz = (async () => {
    const deadline = proc.startedAt + TIMEOUT.stackUp;
    while (!proc.hasExited() && performance.now() < deadline) {
      try {
        const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(3000) });
        await res.arrayBuffer();
        if (res.status === 200) return performance.now() - proc.startedAt;
      } catch {
        /* not listening yet */
      }
      await delay(50);
    }
    return undefined;
  })();
  const up = await proc.waitForLine(/LORO engine is up/, TIMEOUT.stackUp);
  const upMs = up.at - proc.startedAt;
  const readyzMs = await readyz;
  if (readyzMs === undefined) throw new Error('GET /readyz never answered 200 although start said it was up');
  const servicesInside = (await proc.waitForLine(/services ready/, 1)).at - proc.startedAt;
  const selfReported = up.line.match(/up in ([\d.]+) s/)?.[1];
  const addresses = JSON.parse(readFileSync(join(dir, 'services.json'), 'utf8')) as ServiceAddresses;
  const base = { label: `services alone (median of ${N.servicesRuns})`, value: s(services.readyMs), unit: 's' };
  rows.push(
    {
      section: '2 npm start to ready',
      metric: '"LORO engine is up" on stderr',
      value: s(upMs),
      unit: 's',
      baseline: base,
      note: `start's own figure ${selfReported} s; its services were ready at ${round(s(servicesInside))} s`,
    },
    { section: '2 npm start to ready', metric: 'GET /readyz → 200 (polled every 50 ms)', value: s(readyzMs), unit: 's', baseline: base },
  );
  ctx.detail('start', { dir, port, upMs, readyzMs, servicesInsideMs: servicesInside, selfReportedS: selfReported, addresses });
  return { proc, dir, port, baseUrl, addresses };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. memory

interface MemorySnapshot {
  totalRssKiB: number;
  totalPssKiB: number;
  byRole: Record<string, { count: number; rssKiB: number; pssKiB: number }>;
  processes: { pid: number; role: string; rssKiB: number; pssKiB: number; cmdline: string }[];
}

function roleOf(p: ProcInfo, rootPid: number, rootRole: string, procs: ProcInfo[]): string {
  if (p.pid === rootPid) return rootRole;
  const c = p.cmdline;
  if (c.includes('server start-dev')) return 'temporal';
  if (c.includes('ferretdb')) return 'ferretdb';
  for (const r of ['worker', 'api', 'scheduler']) if (c.includes(`${r}/main.ts`)) return r;
  const parent = procs.find((q) => q.pid === p.ppid);
  const parentRole = parent ? roleOf(parent, rootPid, rootRole, procs) : '?';
  if (c.includes('esbuild')) return `esbuild (tsx, under ${parentRole})`;
  return `${p.comm} (under ${parentRole})`;
}

function snapshotMemory(rootPid: number, rootRole: string): MemorySnapshot {
  const procs = listProcs();
  const tree = processTree(rootPid, procs);
  const processes = tree.map((p) => ({ pid: p.pid, role: roleOf(p, rootPid, rootRole, procs), rssKiB: rssKiB(p.pid) ?? 0, pssKiB: pssKiB(p.pid) ?? 0, cmdline: p.cmdline.slice(0, 300) }));
  const byRole: MemorySnapshot['byRole'] = {};
  for (const p of processes) {
    const r = (byRole[p.role] ??= { count: 0, rssKiB: 0, pssKiB: 0 });
    r.count++;
    r.rssKiB += p.rssKiB;
    r.pssKiB += p.pssKiB;
  }
  return {
    totalRssKiB: processes.reduce((a, p) => a + p.rssKiB, 0),
    totalPssKiB: processes.reduce((a, p) => a + p.pssKiB, 0),
    byRole,
    processes,
  };
}

async function benchMemory(ctx: BenchContext, rows: Row[], rootPid: number, services: ServicesAlone, floors: Floors, phase: 'idle' | 'after-load', idleTotalKiB?: number) {
  const idle = await waitForIdle(rootPid, { maxMs: phase === 'idle' ? 20_000 : 10_000 });
  ctx.log(`memory (${phase}): ${idle.idle ? 'idle' : 'NOT idle'} after ${round(s(idle.waitedMs))} s (tree CPU ${round(idle.cores * 100)} % of a core)`);
  const m = snapshotMemory(rootPid, 'start');
  const section = phase === 'idle' ? '3 idle memory (VmRSS, start + descendants)' : '4+ memory after the API load';
  const settle = `settled ${round(s(idle.waitedMs))} s${idle.idle ? '' : ' (not idle: CPU still ' + round(idle.cores * 100) + ' %)'}`;
  if (phase === 'idle') {
    rows.push({
      section,
      metric: `total (${m.processes.length} processes)`,
      value: mib(m.totalRssKiB),
      unit: 'MiB',
      baseline: { label: 'services alone', value: mib(services.memory.totalRssKiB), unit: 'MiB' },
      note: `PSS ${round(mib(m.totalPssKiB))} MiB (shared pages counted once); ${settle}`,
    });
    const order = ['temporal', 'ferretdb', 'worker', 'api', 'scheduler', 'start'];
    const roles = [...order.filter((r) => m.byRole[r]), ...Object.keys(m.byRole).filter((r) => !order.includes(r))];
    for (const role of roles) {
      const r = m.byRole[role]!;
      const alone = services.memory.byRole[role === 'start' ? 'services' : role];
      const bareNode = ['worker', 'api', 'scheduler'].includes(role);
      rows.push({
        section,
        metric: `  ${role}${r.count > 1 ? ` ×${r.count}` : ''}`,
        value: mib(r.rssKiB),
        unit: 'MiB',
        baseline: bareNode
          ? { label: 'idle bare node --import tsx', value: mib(floors.idleNodeRssKiB), unit: 'MiB' }
          : alone
            ? { label: role === 'start' ? 'services.ts node (mail sink)' : `${role} (services alone)`, value: mib(alone.rssKiB), unit: 'MiB' }
            : undefined,
        note: `PSS ${round(mib(r.pssKiB))} MiB`,
      });
    }
  } else {
    rows.push({
      section,
      metric: `total (${m.processes.length} processes)`,
      value: mib(m.totalRssKiB),
      unit: 'MiB',
      baseline: { label: 'idle', value: mib(idleTotalKiB!), unit: 'MiB' },
      note: `PSS ${round(mib(m.totalPssKiB))} MiB; ${Object.entries(m.byRole)
        .map(([k, v]) => `${k} ${round(mib(v.rssKiB))}`)
        .join(', ')}`,
    });
  }
  ctx.detail(`memory-${phase}`, { settle: idle, ...m });
  return m;
}

// ---------------------------------------------------------------------------------------------------------------
// 4. API

async function timeEach(n: number, f: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f(i);
    out.push(performance.now() - t);
  }
  return out;
}

const latencyRows = (section: string, metric: string, sum: Summary, base: Summary | undefined, baseLabel: string, note?: string): Row[] =>
  (['p50', 'p95'] as const).map((k) => ({
    section,
    metric: `${metric} ${k}`,
    value: sum[k],
    unit: 'ms',
    baseline: base ? { label: `${baseLabel} ${k}`, value: base[k], unit: 'ms' } : undefined,
    note: k === 'p50' ? `n=${sum.n}, max ${round(sum.max)} ms${note ? `; ${note}` : ''}` : undefined,
  }));

async function benchApi(ctx: BenchContext, rows: Row[], stack: Stack, floors: Floors) {
  const { HttpSession } = await import('../test/fixtures/engine.ts');
  const runId = randomBytes(4).toString('hex');
  const email = `bench-admin-${runId}@bench.loro.example`;
  const password = randomBytes(18).toString('base64url');
  ctx.log('create-admin (--password-stdin), sign in');
  const [cmd, args] = nodeTsx(ctx.root, 'cli/create-admin.ts', '--email', email, '--name', 'Bench Admin', '--password-stdin');
  const admin = await runTimed('create-admin', cmd, [...args], {
    env: cleanEnv({ LORO_DATA_DIR: stack.dir, PORT: String(stack.port) }),
    cwd: ctx.root,
    input: `${password}\n`,
  });
  if (admin.code !== 0) throw new Error(`create-admin exited with ${admin.code}:\n${tail(admin.output)}`);
  const session = await HttpSession.signIn(stack.baseUrl, email, password);
  const sink = stack.addresses.mailSinkUrl;
  if (!sink) throw new Error('services.json has no mailSinkUrl');

  // Floor of the HTTP stack, and its own baseline: a bare node:http server in a process of its own.
  const bare = spawnTracked('bare-http', process.execPath, [
    '-e',
    `const s=require('node:http').createServer((q,r)=>{r.writeHead(200,{'content-type':'application/json'});r.end('{"status":"ok"}')});s.listen(0,'127.0.0.1',()=>console.log('port '+s.address().port))`,
  ]);
  const barePort = Number((await bare.waitForLine(/^port \d+/, 10_000)).line.slice(5));
  const bareSession = new HttpSession(`http://127.0.0.1:${barePort}`);

  const connection = await Connection.connect({ address: stack.addresses.temporalAddress });
  try {
    const direct = () => connection.workflowService.listWorkflowExecutions({ namespace: 'default', pageSize: 50, query: '' });
    const expect = async <T extends { status: number; text: string }>(p: Promise<T>, status: number, what: string): Promise<T> => {
      const res = await p;
      if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} (expected ${status}): ${res.text.slice(0, 300)}`);
      return res;
    };
    // Warm-up (not counted): connections, JIT, caches on both sides.
    for (let i = 0; i < 20; i++) {
      await expect(session.request('GET', '/healthz'), 200, 'GET /healthz');
      await expect(bareSession.request('GET', '/'), 200, 'bare GET /');
    }
    for (let i = 0; i < 5; i++) {
      await expect(session.request('GET', '/api/workflows?pageSize=50'), 200, 'GET /api/workflows');
      await direct();
    }

    // (a) accounts, one after another: the POST, then its welcome mail visible in the sink (polled every 20 ms).
    ctx.log(`POST /api/accounts ×${N.accounts} (+${N.accountsWarmup} warm-up), each until its welcome mail is in the sink`);
    const post: number[] = [];
    const visible: number[] = [];
    const arrival: number[] = [];
    for (let i = -N.accountsWarmup; i < N.accounts; i++) {
      const owner = `owner-${runId}-${i + N.accountsWarmup}@bench.loro.example`;
      const epoch0 = Date.now();
      const t0 = performance.now();
      const res = await expect(
        session.request('POST', '/api/accounts', { name: `Bench account ${i + N.accountsWarmup}`, owner: { name: `Owner ${i + N.accountsWarmup}`, email: owner } }),
        202,
        'POST /api/accounts',
      );
      const t1 = performance.now();
      let found: SinkMessage | undefined;
      while (!found) {
        if (performance.now() - t0 > TIMEOUT.mail) throw new Error(`no welcome mail to ${owner} within ${TIMEOUT.mail} ms (account ${JSON.stringify(res.json)})`);
        const list = (await (await fetch(`${sink}/messages`)).json()) as { messages: SinkMessage[] };
        found = list.messages.find((m) => m.to.includes(owner) && m.subject.startsWith('Welcome'));
        if (!found) await delay(20);
      }
      const t2 = performance.now();
      if (i < 0) continue;
      post.push(t1 - t0);
      visible.push(t2 - t0);
      // The sink names each file after Date.now() at arrival: the arrival time without the polling.
      arrival.push(Number(found.id.split('-')[0]) - epoch0);
    }

    // (b) GET /api/workflows vs Temporal directly, in alternating blocks so drift hits both alike.
    ctx.log(`GET /api/workflows?pageSize=50 ×${N.workflowLists} vs listWorkflowExecutions direct ×${N.workflowLists}`);
    const api: number[] = [];
    const dir: number[] = [];
    let apiCount = 0;
    let directCount = 0;
    const block = 50;
    for (let b = 0; b < N.workflowLists / block; b++) {
      api.push(
        ...(await timeEach(block, async () => {
          const res = await expect(session.request('GET', '/api/workflows?pageSize=50'), 200, 'GET /api/workflows');
          apiCount = (res.json as { executions?: unknown[] } | undefined)?.executions?.length ?? 0;
        })),
      );
      dir.push(
        ...(await timeEach(block, async () => {
          directCount = (await direct()).executions?.length ?? 0;
        })),
      );
    }

    // (c) the floor: GET /healthz, alternating blocks with the bare server.
    ctx.log(`GET /healthz ×${N.healthz} signed in, ×${N.healthz} without a session, and a bare node:http server ×${N.healthz}`);
    const anonymous = new HttpSession(stack.baseUrl);
    const health: number[] = [];
    const anonMs: number[] = [];
    const bareMs: number[] = [];
    for (let b = 0; b < N.healthz / 100; b++) {
      health.push(...(await timeEach(100, async () => void (await expect(session.request('GET', '/healthz'), 200, 'GET /healthz')))));
      anonMs.push(...(await timeEach(100, async () => void (await expect(anonymous.request('GET', '/healthz'), 200, 'GET /healthz (no session)')))));
      bareMs.push(...(await timeEach(100, async () => void (await expect(bareSession.request('GET', '/'), 200, 'bare GET /')))));
    }

    const sPost = summarize(post);
    const sVisible = summarize(visible);
    const sArrival = summarize(arrival);
    const sApi = summarize(api);
    const sDirect = summarize(dir);
    const sHealth = summarize(health);
    const sAnon = summarize(anonMs);
    const sBare = summarize(bareMs);
    rows.push(
      {
        section: '4 API (sequential, 127.0.0.1)',
        metric: 'create-admin CLI (spawn → exit)',
        value: s(admin.ms),
        unit: 's',
        baseline: { label: 'node --import tsx -e 0', value: s(floors.nodeTsxMs), unit: 's' },
        note: 'argon2id hash + index sync included',
      },
      ...latencyRows('4 API (sequential, 127.0.0.1)', `(a) POST /api/accounts`, sPost, sHealth, 'GET /healthz'),
      ...latencyRows(
        '4 API (sequential, 127.0.0.1)',
        '(a) POST → welcome mail visible',
        sVisible,
        sPost,
        'the POST itself',
        `in the sink after p50 ${round(sArrival.p50)} / p95 ${round(sArrival.p95)} ms (its file time; the rest is the 20 ms polling and listing)`,
      ),
      ...latencyRows('4 API (sequential, 127.0.0.1)', '(b) GET /api/workflows?pageSize=50', sApi, sDirect, 'listWorkflowExecutions direct', `${apiCount} vs ${directCount} executions per page`),
      ...latencyRows('4 API (sequential, 127.0.0.1)', '(c) GET /healthz (signed-in session)', sHealth, sBare, 'bare node:http server', 'the same client as (a) and (b): the cookie makes every request load its session and user'),
      ...latencyRows('4 API (sequential, 127.0.0.1)', "(c') GET /healthz without a cookie", sAnon, sBare, 'bare node:http server'),
    );
    ctx.detail('api', {
      accounts: { postMs: sPost, visibleMs: sVisible, sinkArrivalMs: sArrival, samples: { post, visible, arrival } },
      workflows: { apiMs: sApi, directMs: sDirect, apiCount, directCount, samples: { api, direct: dir } },
      healthz: { signedInMs: sHealth, anonymousMs: sAnon, bareMs: sBare },
      createAdminMs: admin.ms,
    });
  } finally {
    await connection.close();
    await bare.stop('SIGTERM', 5_000);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 5. shutdown

const describe = (p: ProcInfo) => `${p.pid} ${p.cmdline.slice(0, 120) || p.comm}`;

async function benchShutdown(ctx: BenchContext, rows: Row[], stack: Stack, services: ServicesAlone) {
  const { proc, dir, port, addresses } = stack;
  const before = processTree(proc.pid);
  ctx.log(`SIGINT to start (pid ${proc.pid}, ${before.length} processes in its tree)`);
  const t = performance.now();
  process.kill(proc.pid, 'SIGINT');
  const e = await Promise.race([proc.exited, delay(TIMEOUT.shutdown).then(() => undefined)]);
  const stopMs = e ? e.at - t : undefined;
  // Left behind: a process of the tree still running; anything still in start's process group; anything using its
  // data dir; a port of the stack that still answers. A process being killed (pdeathsig) needs a moment to go:
  // polled up to TIMEOUT.orphanGrace, and the time the last one took is reported.
  const endpoints = [
    `127.0.0.1:${port}`,
    addresses.temporalAddress,
    new URL(addresses.mongoUri).host,
    new URL(addresses.smtpUrl).host,
    ...(addresses.mailSinkUrl ? [new URL(addresses.mailSinkUrl).host] : []),
    ...(addresses.temporalUiUrl ? [new URL(addresses.temporalUiUrl).host] : []),
  ];
  const leftovers = async () => {
    const left = new Map<number, string>();
    for (const p of before) if (p.pid !== proc.pid && stillRunning(p)) left.set(p.pid, describe(p));
    for (const p of listProcs()) {
      if (p.state === 'Z' || p.pid === process.pid) continue;
      if ((p.pgid === proc.pid && p.pid !== proc.pid) || p.cmdline.includes(dir)) left.set(p.pid, describe(p));
    }
    const open: string[] = [];
    for (const ep of endpoints) {
      const [host, p] = ep.split(':');
      if (await isTcpOpen(host!, Number(p))) open.push(ep);
    }
    return { left, open };
  };
  let found = await leftovers();
  const atExit = found;
  while ((found.left.size || found.open.length) && performance.now() - t < (stopMs ?? TIMEOUT.shutdown) + TIMEOUT.orphanGrace) {
    await delay(100);
    found = await leftovers();
  }
  const allGoneMs = performance.now() - t;
  const { left, open } = found;
  const clean = !!e && e.code === 0;
  const noOrphans = left.size === 0 && open.length === 0;
  const section = '5 shutdown (SIGINT to start)';
  rows.push(
    {
      section,
      metric: 'SIGINT → start exited',
      value: stopMs !== undefined ? s(stopMs) : `no exit in ${TIMEOUT.shutdown / 1000} s`,
      unit: 's',
      baseline: { label: `services alone (median of ${N.servicesRuns})`, value: s(services.stopMs), unit: 's' },
      note: e ? (e.signal ? `killed by ${e.signal}, not a clean exit` : `exit code ${e.code}`) : undefined,
    },
    {
      section,
      metric: 'clean exit (code 0, not killed by a signal)',
      value: clean ? 'PASS' : 'FAIL',
      unit: '',
      note: clean ? undefined : e ? `exit code ${e.code}, signal ${e.signal}; stderr ends: ${JSON.stringify(tail(proc.output(), 3).replace(/\n/g, ' | '))}` : 'did not exit',
    },
    {
      section,
      metric: `no orphans (${before.length} processes, ${endpoints.length} ports checked)`,
      value: noOrphans ? 'PASS' : 'FAIL',
      unit: '',
      note: noOrphans
        ? `nothing of the stack left${atExit.left.size || atExit.open.length ? `; ${atExit.left.size} process(es)/${atExit.open.length} port(s) were still there at start's exit, all gone ${round(s(allGoneMs))} s after SIGINT` : ' at its exit'}`
        : `after ${round(s(allGoneMs))} s — ${left.size ? `left: ${[...left.values()].join('; ')}` : ''}${open.length ? ` still answering: ${open.join(', ')}` : ''}`,
    },
  );
  ctx.detail('shutdown', { stopMs: stopMs ?? null, allGoneMs, exit: e ?? null, tree: before.map(describe), atExit: { left: [...atExit.left.values()], openPorts: atExit.open }, left: [...left.values()], openPorts: open, stderrTail: tail(proc.output(), 12) });
  if (!clean || !noOrphans) ctx.log(`shutdown FAIL; start's output tail:\n${tail(proc.output(), 12)}`);
  await proc.stop(); // sweeps the group if anything was left
}
