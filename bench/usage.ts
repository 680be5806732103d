/**
 * The usage-ingestion benchmark: events/s through `POST /api/usage-events` (batches of 500, C requests in
 * flight, admin session; validation, IP truncation, user-agent parsing and the one insertMany on FerretDB of the
 * embedded stack) for ~10 s, next to an empty Express handler receiving the same JSON batches over HTTP in the same
 * process and run (the floor: HTTP + JSON parsing). Target: ≥ 5,000 events/s. Every event carries a client `id`,
 * unique per request (a sequence number substituted into pre-serialised bodies, so the client stays cheap): a body
 * sent twice would be a retry, counted once. Then the roll-up of what was stored is timed, and its daily counts
 * checked against the raw events.
 */
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { onCleanup } from './lib/proc.ts';
import { startBenchApi } from './lib/api-stack.ts';
import type { BenchContext, Row } from './lib/report.ts';

export const description = 'usage ingestion: events/s through POST /api/usage-events (batches of 500) vs an empty Express handler (≈40 s)';

const N = { batch: 500, seconds: Number(process.env.BENCH_USAGE_SECONDS ?? 10), concurrency: 8, target: 5_000 };

const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
];
const PAGES = ['/leads', '/leads/42?tab=notes', '/jobs/7', '/calendar#week', '/settings/team', '/reports/monthly'];
const ACTIONS = ['view', 'click', 'save', 'search'];

const SEQ = '@SEQ@';

function batchBody(seq: number) {
  const accounts = Array.from({ length: 5 }, (_, i) => `acc_${String(i).repeat(32)}`);
  const events = Array.from({ length: N.batch }, (_, i) => {
    const k = seq * N.batch + i;
    return {
      id: `b${SEQ}-${String(i).padStart(4, '0')}`,
      accountId: accounts[k % accounts.length],
      userId: `usr_${k % 200}`,
      at: new Date(Date.now() - (k % 3) * 86_400_000).toISOString(),
      ip: k % 2 ? `203.0.${k % 256}.${(k * 7) % 256}` : `2001:db8:${(k % 50).toString(16)}::${(k % 9999).toString(16)}`,
      userAgent: AGENTS[k % AGENTS.length],
      page: PAGES[k % PAGES.length],
      action: ACTIONS[k % ACTIONS.length],
    };
  });
  return JSON.stringify({ events });
}

let requestSeq = 0;

/** Posts pre-serialised batches (a fresh sequence number in their event IDs) for `seconds`, `concurrency` at a time; returns events/s. */
async function drive(url: string, headers: Record<string, string>, bodies: string[], expected: number[]) {
  let sent = 0;
  let next = 0;
  const deadline = performance.now() + N.seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: N.concurrency }, async () => {
      while (performance.now() < deadline) {
        const body = bodies[next++ % bodies.length]!.replaceAll(SEQ, String(requestSeq++).padStart(7, '0'));
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
        await res.arrayBuffer();
        if (process.env.BENCH_USAGE_TRACE) process.stderr.write(`${res.status} ${Math.round(performance.now() - t0)}ms\n`);
        if (!expected.includes(res.status)) throw new Error(`${url}: HTTP ${res.status}`);
        sent += N.batch;
      }
    }),
  );
  return { eventsPerSecond: sent / ((performance.now() - t0) / 1000), events: sent };
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const { deps, baseUrl, cookie } = await startBenchApi(ctx, { name: 'usage', role: 'admin', logLevel: process.env.BENCH_USAGE_TRACE ? 'error' : 'silent' });

  const bare = express();
  bare.use(express.json({ limit: '4mb' }));
  bare.post('/api/usage-events', (req, res) => {
    res.status(202).json({ accepted: (req.body as { events: unknown[] }).events.length, rejected: [] });
  });
  const bareServer: Server = await new Promise((resolve) => {
    const s = bare.listen(0, '127.0.0.1', () => resolve(s));
  });
  onCleanup(() => new Promise<void>((r) => bareServer.close(() => r())));
  const barePort = (bareServer.address() as { port: number }).port;

  const bodies = Array.from({ length: 20 }, (_, i) => batchBody(i));
  ctx.log(`batch body ≈ ${Math.round(bodies[0]!.length / 1024)} KiB; warming up`);
  const shortRun = N.seconds;
  N.seconds = 1;
  await drive(`http://127.0.0.1:${barePort}/api/usage-events`, {}, bodies, [202]);
  await drive(`${baseUrl}/api/usage-events`, { cookie }, bodies, [202]);
  N.seconds = shortRun;
  ctx.log(`bare Express for ${N.seconds} s`);
  const floor = await drive(`http://127.0.0.1:${barePort}/api/usage-events`, {}, bodies, [202]);
  ctx.log(`POST /api/usage-events for ${N.seconds} s`);
  const ingest = await drive(`${baseUrl}/api/usage-events`, { cookie }, bodies, [202]);
  const stored = await deps.models.UsageEvent.countDocuments();
  ctx.log(`rolling up ${stored} events`);
  const { createUsageRollUp } = await import('../lib/usage/roll-up.ts');
  const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const t0 = performance.now();
  const days = await createUsageRollUp(deps.models).rollUpRange(dayOf(Date.now() - 3 * 86_400_000), dayOf(Date.now()));
  const rollUpSeconds = (performance.now() - t0) / 1000;
  const counted = (await deps.models.UsageDaily.aggregate<{ n: number }>([{ $group: { _id: null, n: { $sum: '$count' } } }]))[0]?.n ?? 0;
  if (counted !== stored) throw new Error(`roll-up counted ${counted} events, ${stored} are stored`);
  ctx.detail('usage', { floor, ingest, stored, counted, rollUpSeconds, days, batch: N.batch, concurrency: N.concurrency });
  return [
    {
      section: 'usage',
      metric: `POST /api/usage-events (${N.batch}/batch, ${N.concurrency} in flight)`,
      value: ingest.eventsPerSecond,
      unit: 'events/s',
      baseline: { label: 'empty Express handler, same batches', value: floor.eventsPerSecond, unit: 'events/s' },
      note: `${ingest.events} events in ${N.seconds} s; stored ${stored} (incl. warm-up)`,
    },
    {
      section: 'usage',
      metric: `roll-up of the stored events (${days.length} days, recomputed whole)`,
      value: stored / rollUpSeconds,
      unit: 'events/s',
      baseline: { label: 'ingestion, same run', value: ingest.eventsPerSecond, unit: 'events/s' },
      note: `${stored} events in ${rollUpSeconds.toFixed(2)} s; daily counts sum to ${counted} = stored`,
    },
    { section: 'usage', metric: `target ≥ ${N.target} events/s`, value: ingest.eventsPerSecond >= N.target ? 'PASS' : 'FAIL', unit: '' },
  ];
}
