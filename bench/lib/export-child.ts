/**
 * One side of the export benchmark in a process of its own, so its peak RSS is the export's and not the seeding's:
 * `export` runs lib/exports/store.ts buildExport as the worker's activity does; `bare` reads the same records
 * with bare driver cursors into a JSON Lines file. Prints one line `RESULT {json}`. Knobs come from bench/export.ts.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../../config/index.ts';
import { connectMongo } from '../../lib/mongo.ts';
import { MongoKeyring } from '../../lib/crypto/mongo-keyring.ts';
import { loadMasterKeys } from '../../lib/crypto/master-key.ts';
import { dataKeyModel } from '../../models/data-key.ts';
import { createModels } from '../../models/index.ts';
import { buildExport } from '../../lib/exports/store.ts';
import { exportedStores } from '../../lib/exports/archive.ts';

const env = process.env; // bench/ is outside the engine: its knobs are the bench's own
const [mode, mongoUri, accountId, target] = [env.BENCH_MODE!, env.BENCH_MONGO_URI!, env.BENCH_ACCOUNT!, env.BENCH_TARGET!];
let peak = process.memoryUsage.rss();
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
const conn = await connectMongo(mongoUri);
const keyring = new MongoKeyring(dataKeyModel(conn), loadMasterKeys(loadConfig({ LORO_MASTER_KEY: env.BENCH_MASTER_KEY })));
const models = createModels(conn, keyring);
const rssBefore = process.memoryUsage.rss();
const t0 = performance.now();
let records = 0;
let bytes = 0;
if (mode === 'export') {
  const built = await buildExport(models, target, { attempt: 1, ttlMs: 3_600_000 });
  records = built.records;
  bytes = built.bytes;
} else {
  const out = createWriteStream(target);
  for (const store of exportedStores()) {
    for await (const doc of models[store.model].collection.find({ [store.accountPath]: accountId }, { batchSize: 1000 })) {
      records++;
      const line = `${JSON.stringify(doc)}\n`;
      bytes += line.length;
      if (!out.write(line)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
}
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage.rss());
process.stdout.write(`RESULT ${JSON.stringify({ records, bytes, seconds, peakRss: peak, rssBefore })}\n`);
await conn.close();
