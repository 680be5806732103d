/**
 * `npm run bench [-- <name>…]`: runs the benchmarks in bench/ (all of them when none is named), prints a table
 * per benchmark and writes bench/results/<name>-<date>.json.
 *
 *   npm run bench                 every benchmark
 *   npm run bench -- platform     one (names: see BENCHMARKS below, or `npm run bench -- --list`)
 *
 * Environment: BENCH_COLD=1 adds the cold `setup` to the platform benchmark (fresh caches; ≈10 min, needs the Go
 * module proxy and Maven Central); BENCH_KEEP=1 keeps the temp data dirs. Each figure is printed with the
 * baseline it is compared with, measured in the same run, because the machines are noisy.
 *
 * Adding a benchmark: a module bench/<name>.ts exporting `description` and `run(ctx): Promise<Row[]>`
 * (see lib/report.ts), registered in BENCHMARKS. Processes it starts go through lib/proc.ts so they are
 * stopped whatever happens.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { runCleanups } from './lib/proc.ts';
import { BenchFailure, formatTable, withRatios, type BenchContext, type BenchModule, type Row } from './lib/report.ts';

const BENCHMARKS: Record<string, { description: string; load: () => Promise<BenchModule> }> = {
  platform: {
    description: 'warm setup, npm start to ready, idle memory, API latencies, shutdown and orphans (≈2 min)',
    load: () => import('./platform.ts'),
  },
  codec: {
    description: 'payload encryption: µs per payload, and onboarding throughput with vs without the codec (≈1–2 min)',
    load: () => import('./codec.ts'),
  },
  crypto: {
    description: 'field encryption: insert + read of 50,000 lead-like documents with vs without encrypted personal fields (≈2 min; BENCH_LEADS)',
    load: () => import('./crypto.ts'),
  },
  usage: {
    description: 'usage ingestion: events/s through POST /api/usage-events (batches of 500) vs an empty Express handler (≈40 s)',
    load: () => import('./usage.ts'),
  },
  vrptw: {
    description: 'route planner: 56 Solomon instances, gap to best known, 2 s each (BENCH_VRPTW_SECONDS, BENCH_VRPTW_INSTANCES); 1,000 jobs / 50 technicians in 60 s with the matrix fetched in blocks from the OSRM stand-in (≈3 min)',
    load: () => import('./vrptw.ts'),
  },
  leads: {
    description: 'lead CSV import: rows/s through POST …/leads/import vs parsing the same CSV without storing (≈3 min; BENCH_LEADS_ROWS, default 100,000)',
    load: () => import('./leads.ts'),
  },
  export: {
    description: 'data export: records/s and peak RSS exporting one account vs a bare driver cursor to a file (≈3 min; BENCH_EXPORT_RECORDS, default 100,000)',
    load: () => import('./export.ts'),
  },
  nurturing: {
    description: 'lead nurturing: enrollments/s, sends/s, send lag p95 and memory for 10,000 leads × 3 steps vs as many no-op workflows (≈10+ min; BENCH_NURTURING)',
    load: () => import('./nurturing.ts'),
  },
  'workflow-list': {
    description: 'workflow list: p50/p95 of GET /api/workflows paging 10,000 executions (pageSize 50, unfiltered and by region) vs listWorkflowExecutions (≈10 min on a quiet machine, ≈25 on a busy one: seeding dominates; BENCH_WORKFLOWS)',
    load: () => import('./workflow-list.ts'),
  },
};

const root = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(root, 'bench', 'results');
const t0 = performance.now();
const elapsed = () => ((performance.now() - t0) / 1000).toFixed(1).padStart(6);

function usage() {
  return [
    'usage: npm run bench [-- <name>…]',
    '',
    'benchmarks:',
    ...Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(10)} ${b.description}`),
    '',
    'env: BENCH_COLD=1  also time a cold `setup` with fresh caches (platform; ≈10 min, off by default)',
    '     BENCH_KEEP=1  keep the temp data dirs (logs) instead of removing them',
  ].join('\n');
}

let interrupted: string | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = signal;
    process.stderr.write(`\nbench: ${signal} received — stopping everything it started\n`);
    void runCleanups().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h') || args.includes('--list')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const unknown = args.filter((a) => !(a in BENCHMARKS));
  if (unknown.length) {
    process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}\n\n${usage()}\n`);
    return 2;
  }
  const names = args.length ? args : Object.keys(BENCHMARKS);
  const host = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', totalMemMiB: Math.round(totalmem() / 2 ** 20) };
  process.stderr.write(`bench: ${names.join(', ')} on ${host.cpus} × ${host.cpuModel}, Node ${host.node}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  let failed = 0;
  for (const name of names) {
    const started = new Date();
    const s0 = performance.now();
    const details: Record<string, unknown> = {};
    const ctx: BenchContext = {
      root,
      log: (line) => process.stderr.write(`[${elapsed()}s] ${name}: ${line}\n`),
      detail: (key, value) => {
        details[key] = value;
      },
    };
    const loadBefore = loadavg();
    let rows: Row[] = [];
    let error: string | undefined;
    try {
      const mod = await BENCHMARKS[name]!.load();
      rows = await mod.run(ctx);
    } catch (err) {
      failed++;
      rows = err instanceof BenchFailure ? err.rows : [];
      const cause = err instanceof BenchFailure ? err.original : err;
      error = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
      if (interrupted) error = `interrupted by ${interrupted} (partial results) — ${error.split('\n')[0]}`;
    } finally {
      await runCleanups();
    }
    rows = withRatios(rows);
    const seconds = (performance.now() - s0) / 1000;
    process.stdout.write(`\n== ${name} (${seconds.toFixed(1)} s${error ? ', FAILED' : ''}) ==\n${formatTable(rows)}\n`);
    if (error) process.stdout.write(`\n${name} failed: ${error}\n`);
    await mkdir(resultsDir, { recursive: true });
    const file = join(resultsDir, `${name}-${started.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
    const result = { benchmark: name, startedAt: started.toISOString(), durationS: Math.round(seconds * 10) / 10, host, loadAverage: { before: loadBefore, after: loadavg() }, error: error ?? null, rows, details };
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`results: ${file}\n`);
  }
  process.stderr.write(`bench: done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: Error) => {
    process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
    await runCleanups();
    process.exit(1);
  },
);
