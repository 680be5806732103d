/**
 * The data-export benchmark: export one account holding N records (leads with encrypted personal fields, usage
 * events, invoices) through the real export path (lib/exports/store.ts buildExport: driver cursors → decrypt →
 * JSON Lines + CSV → ZIP → segmented AES-GCM → GridFS on FerretDB), beside the baseline of a bare driver cursor over
 * the same records written to a file as JSON Lines. Figures: records/s of each and their ratio, the peak RSS of
 * this process while exporting (sampled every 50 ms), and the download (GridFS → decrypt) rate. Then the same
 * account is purged by the real purge activity (activities/erasure/account-purge.ts: batched deletes, heartbeats,
 * financial records pseudonymised), beside a bare driver deleteMany of the other account's records.
 * Targets (issue 4): export and purge ≥ 20,000 records/s, export peak RSS < 300 MB, for N = 1,000,000.
 *
 * N = BENCH_EXPORT_RECORDS (default 100,000: a few minutes on 2 busy cores, most of it seeding; 1,000,000 for the
 * full run). Another account holds a tenth as many records, so the filters do real work. FerretDB runs from the
 * service build cache in a temp dir on a free port and is stopped at the end, whatever happens.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../config/index.ts';
import { startLocalStack } from '../services/stack.ts';
import { connectMongo } from '../lib/mongo.ts';
import { MongoKeyring } from '../lib/crypto/mongo-keyring.ts';
import { generateMasterKey, loadMasterKeys } from '../lib/crypto/master-key.ts';
import { encryptDocuments } from '../lib/crypto/encrypted-fields.ts';
import { dataKeyModel } from '../models/data-key.ts';
import { createModels, syncIndexes, type Models } from '../models/index.ts';
import { newId } from '../models/ids.ts';
import { buildExport, ensureExportRecord, newExportId, openExportDownload } from '../lib/exports/store.ts';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ACCOUNT_DATA } from '../models/account-data.ts';
import { createAccountPurgeActivities } from '../activities/erasure/account-purge.ts';
import { onCleanup, runTimed, tail, tempDir } from './lib/proc.ts';
import { BenchFailure, type BenchContext, type Row } from './lib/report.ts';

export const description = 'data export and purge: records/s (and peak RSS) exporting, then purging, one account, vs bare driver cursor / deleteMany';

const BATCH = 2_000;

function recordsWanted(): number {
  const raw = process.env.BENCH_EXPORT_RECORDS; // bench/ is outside the engine: its knobs are the bench's own
  const n = raw ? Number(raw) : 100_000;
  if (!Number.isInteger(n) || n < 10 * BATCH) throw new Error(`BENCH_EXPORT_RECORDS must be an integer ≥ ${10 * BATCH} (got ${raw})`);
  return n;
}

const FIRST = ['Ana', 'Bo', 'Chidi', 'Dana', 'Émile', 'Fumiko', 'Gus', 'Hana', 'Ivo', 'Jaya'];

/** Record i of an account: 40 % leads (5 encrypted fields), 55 % usage events, 5 % invoices (4 encrypted fields). */
function record(accountId: string, i: number): { model: 'Lead' | 'UsageEvent' | 'Invoice'; doc: Record<string, unknown> } {
  const k = i % 20;
  const id = `${accountId.slice(4, 12)}_${i.toString(36)}`;
  if (k < 8) {
    const first = FIRST[i % FIRST.length]!;
    return {
      model: 'Lead',
      doc: {
        _id: `lead_${id}`, accountId, name: `${first} Example ${i}`, email: `${first.toLowerCase()}.${i}@leads.example`, phone: `+49 30 ${String(1_000_000 + i).slice(-7)}`,
        address: { street: `${i % 300} Hauptstraße`, city: 'Berlin' }, notes: `Met at trade fair ${i % 50}; interested in the yearly plan, call back after ${(i % 28) + 1} March.`,
        company: `Company ${i % 997}`, jobTitle: 'Owner', timeZone: 'Europe/Berlin', status: 'new', source: 'fair', score: i % 100, createdAt: new Date(), updatedAt: new Date(),
      },
    };
  }
  if (k < 19) {
    const at = new Date(Date.UTC(2026, 0, 1) + i * 1000);
    return {
      model: 'UsageEvent',
      doc: { _id: `${accountId}/${id}`, accountId, userId: 'usr_bench', at, day: at.toISOString().slice(0, 10), receivedAt: at, ipPrefix: '203.0.113.0/24', browser: { name: 'Firefox', major: '140' }, os: { name: 'Linux' }, device: 'desktop', page: `/leads/${i % 1000}`, action: 'view' },
    };
  }
  return {
    model: 'Invoice',
    doc: {
      _id: `inv_${id}`, accountId, number: `F-${id}`, customer: { name: `Customer ${i}`, email: `billing.${i}@customer.example`, address: { city: 'Berlin' }, taxId: `DE${100000000 + i}` },
      lines: [{ description: 'Plan, monthly', quantity: 1, unitPriceCents: 4900 }], totalCents: 4900, currency: 'EUR', status: 'issued', issuedAt: new Date(), createdAt: new Date(), updatedAt: new Date(),
    },
  };
}

/** Inserts N records of the account in batches, encrypted as the models would store them (raw driver inserts: fast). */
async function seed(models: Models, accountId: string, n: number, log: (line: string) => void) {
  let next = Date.now() + 10_000;
  for (let start = 0; start < n; start += BATCH) {
    const groups = new Map<'Lead' | 'UsageEvent' | 'Invoice', Record<string, unknown>[]>();
    for (let i = start; i < Math.min(n, start + BATCH); i++) {
      const r = record(accountId, i);
      groups.set(r.model, [...(groups.get(r.model) ?? []), r.doc]);
    }
    for (const [name, docs] of groups) {
      const model = models[name];
      const stored = name === 'UsageEvent' ? docs : await encryptDocuments(model, docs);
      await model.collection.insertMany(stored as never[], { ordered: false });
    }
    if (Date.now() > next) {
      log(`seeded ${start + BATCH} / ${n} records of ${accountId}`);
      next = Date.now() + 10_000;
    }
  }
}

const MiB = 2 ** 20;

export async function run(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const n = recordsWanted();
  try {
    const dir = await tempDir('export');
    const { cacheDir } = loadConfig({});
    ctx.log('starting FerretDB');
    const stack = await startLocalStack({ dataDir: dir, cacheDir, namespace: 'default', external: { temporalAddress: 'unused:1', smtpUrl: 'smtp://unused:1' }, progress: (l) => ctx.log(l) });
    onCleanup(() => stack.stop());
    const mongoUri = stack.mongoUri.replace(/\/loro$/, '/bench_export');
    const conn = await connectMongo(mongoUri);
    onCleanup(() => conn.close());
    const masterKeyText = generateMasterKey();
    const keyring = new MongoKeyring(dataKeyModel(conn), loadMasterKeys(loadConfig({ LORO_MASTER_KEY: masterKeyText })));
    await dataKeyModel(conn).createIndexes();
    const models = createModels(conn, keyring);
    await syncIndexes(models);

    const accountId = newId('acc');
    const other = newId('acc');
    await models.Account.create({ _id: accountId, name: 'Bench GmbH', owner: { name: 'Bea Bench', email: 'bea@bench.example' } });
    await models.Account.create({ _id: other, name: 'Other GmbH', owner: { name: 'Otto Other', email: 'otto@other.example' } });
    const s0 = performance.now();
    await seed(models, accountId, n, ctx.log);
    await seed(models, other, Math.max(10 * BATCH, Math.floor(n / 10)), ctx.log);
    const records = n + 1;
    ctx.log(`seeded in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
    rows.push({ section: '0 data', metric: 'records of the exported account (40 % leads, 55 % usage events, 5 % invoices)', value: records, unit: 'records' });

    // Each side runs in a fresh process of its own (bench/lib/export-child.ts): its RSS is its own, not the seeding's.
    const masterKey = masterKeyText;
    const side = async (mode: 'bare' | 'export', target: string) => {
      const res = await runTimed(`export-${mode}`, process.execPath, ['--import', 'tsx', join(ctx.root, 'bench', 'lib', 'export-child.ts')], {
        cwd: ctx.root,
        env: { ...process.env, BENCH_MODE: mode, BENCH_MONGO_URI: mongoUri, BENCH_ACCOUNT: accountId, BENCH_TARGET: target, BENCH_MASTER_KEY: masterKey },
        timeoutMs: 3_600_000,
      });
      const line = res.output.split('\n').find((l) => l.startsWith('RESULT '));
      if (res.code !== 0 || !line) throw new Error(`export-${mode} failed (exit ${res.code}):\n${tail(res.output)}`);
      return JSON.parse(line.slice(7)) as { records: number; bytes: number; seconds: number; peakRss: number; rssBefore: number };
    };
    ctx.log('baseline: bare driver cursor → JSON Lines file');
    const bare = await side('bare', join(dir, 'bare.jsonl'));
    if (bare.records !== records) throw new Error(`baseline read ${bare.records} records, expected ${records}`);
    const bareRate = bare.records / bare.seconds;
    const baseline = { label: 'bare driver cursor → file', value: bareRate, unit: 'records/s' };

    ctx.log('export: buildExport (cursor → decrypt → JSONL + CSV → ZIP → AES-GCM → GridFS)');
    const exportId = newExportId();
    await ensureExportRecord(models, { exportId, accountId, reason: 'portability', requestedBy: 'system' });
    const built = await side('export', exportId);
    if (built.records !== records) throw new Error(`export holds ${built.records} records, expected ${records}`);
    const exportRate = records / built.seconds;
    rows.push({ section: '1 export', metric: 'export throughput', value: exportRate, unit: 'records/s', baseline, note: `target ≥ 20,000: ${exportRate >= 20_000 ? 'met' : 'NOT met'}; ${built.seconds.toFixed(1)} s vs ${bare.seconds.toFixed(1)} s` });
    rows.push({ section: '1 export', metric: 'peak RSS of the exporting process', value: Math.round(built.peakRss / MiB), unit: 'MiB', baseline: { label: 'peak RSS of the bare cursor process', value: Math.round(bare.peakRss / MiB), unit: 'MiB' }, note: `target < 300 MB (286 MiB): ${built.peakRss < 300e6 ? 'met' : 'NOT met'}; RSS after start-up ${Math.round(built.rssBefore / MiB)} MiB` });
    rows.push({ section: '1 export', metric: 'archive size (ZIP)', value: Math.round((built.bytes / MiB) * 10) / 10, unit: 'MiB', baseline: { label: 'bare JSON Lines', value: Math.round((bare.bytes / MiB) * 10) / 10, unit: 'MiB' } });

    ctx.log('download: GridFS → decrypt → /dev/null');
    const d0 = performance.now();
    const download = await openExportDownload(models, exportId);
    let bytes = 0;
    await pipeline(download.stream, new Writable({ write: (chunk: Buffer, _e, cb) => ((bytes += chunk.length), cb()) }));
    const downloadSeconds = (performance.now() - d0) / 1000;
    rows.push({ section: '2 download', metric: 'download (decrypting) rate', value: bytes / MiB / downloadSeconds, unit: 'MiB/s', note: `${(bytes / MiB).toFixed(1)} MiB in ${downloadSeconds.toFixed(1)} s` });

    ctx.log('purge: the purge activities (batched deletes + pseudonymised financial records) vs bare deleteMany');
    const otherCounts = await Promise.all(ACCOUNT_DATA.map((st) => models[st.model].collection.countDocuments({ [st.accountPath]: other })));
    const otherRecords = otherCounts.reduce((a, b) => a + b, 0);
    const b0 = performance.now();
    for (const st of ACCOUNT_DATA) await models[st.model].collection.deleteMany({ [st.accountPath]: other });
    const bareDeleteRate = otherRecords / ((performance.now() - b0) / 1000);
    const purge = createAccountPurgeActivities({ models, keyring, histories: { listAccountWorkflows: async () => [], listLeadWorkflows: async () => [], deleteWorkflow: async () => undefined } });
    const activity = new MockActivityEnvironment({ workflowExecution: { workflowId: `account-cancellation-${accountId}`, runId: 'bench' } } as never);
    const p0 = performance.now();
    await activity.run(purge.purgeAccountStores, accountId);
    await activity.run(purge.pseudonymiseFinancialRecords, accountId, new Date(Date.now() + 3653 * 86_400_000).toISOString());
    const purgeSeconds = (performance.now() - p0) / 1000;
    const purgeRate = records / purgeSeconds;
    rows.push({
      section: '3 purge',
      metric: 'purge throughput (delete + pseudonymise)',
      value: purgeRate,
      unit: 'records/s',
      baseline: { label: `bare deleteMany (${otherRecords.toLocaleString('en')} records of the other account)`, value: bareDeleteRate, unit: 'records/s' },
      note: `target ≥ 20,000: ${purgeRate >= 20_000 ? 'met' : 'NOT met'}; ${purgeSeconds.toFixed(1)} s`,
    });
    ctx.detail('export', { records, bare, built, purgeSeconds, otherRecords });
    return rows;
  } catch (err) {
    throw new BenchFailure(err, rows);
  }
}
