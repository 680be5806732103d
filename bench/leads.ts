/**
 * The lead-import benchmark: a CSV file of N rows (BENCH_LEADS_ROWS, default 100,000; every 50th row bad) streamed
 * through `POST /api/accounts/:id/leads/import` on the embedded stack (FerretDB) — parsing, validation, blind
 * indexes, encryption and batched insertMany — in rows/s, next to parsing the same CSV with the same csv-parse
 * options without storing (the floor), and to storing the same rows as plain documents with the bare driver (what
 * FerretDB itself costs). Encrypted vs plain insert + read is bench/crypto.ts. The CSV is generated as a stream on
 * both sides: neither the client nor the API holds the file.
 */
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { parse } from 'csv-parse';
import { newId } from '../models/ids.ts';
import { startBenchApi } from './lib/api-stack.ts';
import type { BenchContext, Row } from './lib/report.ts';

export const description = 'lead CSV import: rows/s through POST …/leads/import vs parsing the same CSV without storing (≈3 min; BENCH_LEADS_ROWS, default 100,000)';

const ROWS = Number(process.env.BENCH_LEADS_ROWS ?? 100_000);
const BAD_EVERY = 50;
const ZONES = ['Europe/Paris', 'Asia/Tokyo', 'America/New_York', 'UTC', 'Australia/Sydney'];

function* csvLines(rows: number, tag: string) {
  yield 'name,email,phone,timeZone,source,score,company\n';
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const bad = i % BAD_EVERY === BAD_EVERY - 1;
    chunk += `"Lead ${i}, Bench",${bad ? 'not-an-address' : `lead${i}@${tag}.example`},+33 6 ${String(i).padStart(8, '0')},${ZONES[i % ZONES.length]},bench,${i % 101},Company ${i % 977}\n`;
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

const stream = (rows: number, tag: string) => Readable.from(csvLines(rows, tag), { objectMode: false });

/** The floor: the same bytes through csv-parse with the import's options, nothing validated or stored. */
async function parseOnly(rows: number, tag: string) {
  const t0 = performance.now();
  let records = 0;
  const parser = stream(rows, tag).pipe(parse({ bom: true, info: true, trim: true, skip_empty_lines: true, relax_column_count: true, skip_records_with_error: true }));
  for await (const _ of parser) records++;
  return { seconds: (performance.now() - t0) / 1000, records: records - 1 };
}

export async function run(ctx: BenchContext): Promise<Row[]> {
  const { deps, baseUrl, cookie } = await startBenchApi(ctx, { name: 'leads', role: 'ops' });
  const accountId = newId('acc');
  await deps.models.Account.create({ _id: accountId, name: 'Bench Leads Ltd', owner: { name: 'Bench Owner', email: 'owner@bench-leads.example' } });

  ctx.log(`parsing ${ROWS} rows without storing (floor)`);
  await parseOnly(Math.min(ROWS, 5_000), 'warm');
  const floor = await parseOnly(ROWS, 'floor');

  ctx.log(`importing ${ROWS} rows through the API`);
  let peakRss = process.memoryUsage().rss;
  const rssBefore = peakRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/api/accounts/${accountId}/leads/import`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', cookie },
    body: Readable.toWeb(stream(ROWS, accountId.slice(4))) as ReadableStream<Uint8Array>,
    duplex: 'half',
  } as RequestInit);
  const report = (await res.json()) as { rows: number; imported: number; rejected: unknown[] };
  const importSeconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  if (res.status !== 200) throw new Error(`import: HTTP ${res.status} ${JSON.stringify(report)}`);
  const expectedBad = Math.floor(ROWS / BAD_EVERY);
  const stored = await deps.models.Lead.countDocuments({ accountId });
  if (report.imported !== ROWS - expectedBad || report.rejected.length !== expectedBad || stored !== report.imported) {
    throw new Error(`import report ${report.imported} imported / ${report.rejected.length} rejected, ${stored} stored; expected ${ROWS - expectedBad} / ${expectedBad}`);
  }

  ctx.log(`storing the same rows as plain documents with the bare driver`);
  const plain = deps.mongo.db!.collection('bench_leads_plain');
  const t1 = performance.now();
  let batch: Record<string, unknown>[] = [];
  let i = 0;
  for await (const { record } of stream(ROWS, 'plain').pipe(parse({ info: true, from_line: 2 })) as AsyncIterable<{ record: string[] }>) {
    batch.push({ _id: `led_${String(i++).padStart(32, '0')}`, accountId, name: record[0], email: record[1], phone: record[2], timeZone: record[3], source: record[4], score: Number(record[5]), company: record[6], status: 'new' });
    if (batch.length === 1000) {
      await plain.insertMany(batch as never[], { ordered: false });
      batch = [];
    }
  }
  if (batch.length) await plain.insertMany(batch as never[], { ordered: false });
  const bareSeconds = (performance.now() - t1) / 1000;

  ctx.detail('leads', { rows: ROWS, floor, importSeconds, bareSeconds, imported: report.imported, rejected: report.rejected.length, rssBeforeMiB: rssBefore / 2 ** 20, peakRssMiB: peakRss / 2 ** 20 });
  return [
    {
      section: 'leads',
      metric: `CSV import over HTTP (${ROWS.toLocaleString('en')} rows, 1 in ${BAD_EVERY} bad)`,
      value: ROWS / importSeconds,
      unit: 'rows/s',
      baseline: { label: 'parsing the same CSV, nothing stored', value: ROWS / floor.seconds, unit: 'rows/s' },
      note: `${importSeconds.toFixed(1)} s; ${report.imported} imported, ${report.rejected.length} reported; API process RSS ${Math.round(rssBefore / 2 ** 20)} → peak ${Math.round(peakRss / 2 ** 20)} MiB (client in the same process)`,
    },
    {
      section: 'leads',
      metric: 'same import',
      value: ROWS / importSeconds,
      unit: 'rows/s',
      baseline: { label: 'bare driver insertMany of the same rows, plain (FerretDB alone)', value: ROWS / bareSeconds, unit: 'rows/s' },
      note: `${bareSeconds.toFixed(1)} s for the plain rows`,
    },
  ];
}
