/**
 * The field-encryption benchmark: what encrypting personal fields (lib/crypto/encrypted-fields.ts) costs a
 * write-heavy, read-heavy collection, on the MongoDB protocol the engine runs on in development (FerretDB).
 *
 *  1. insert N lead-like documents ({accountId, name, email, phone, company}) with insertMany in batches of
 *     1,000: name, email and phone encrypted with blind indexes on email and phone (the personal data plugin),
 *     vs the same schema without the plugin ("plain"), and vs plaintext padded to the ciphertext's length with
 *     two index-sized fields ("padded": what the bigger documents alone cost the database). The sides take turns
 *     batch by batch so load drifts hit all alike. Target: encrypted / plain ≤ 1.3.
 *  2. read each collection back whole, lean: decrypted vs plain vs padded
 *  3. insert + read
 *  4. CPU alone, no database: encrypting and decrypting one document's fields, µs per document
 *
 * N = BENCH_LEADS per side (default 50,000: about 2 minutes for the three sides on 2 busy cores; 100,000 takes
 * about 4). FerretDB runs from the service build cache in a temp dir on a free port and is stopped at the end,
 * whatever happens.
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Schema, type Connection, type Model } from 'mongoose';
import { loadConfig } from '../config/index.ts';
import { startLocalStack } from '../services/stack.ts';
import { connectMongo } from '../lib/mongo.ts';
import { MongoKeyring } from '../lib/crypto/mongo-keyring.ts';
import { generateMasterKey, loadMasterKeys } from '../lib/crypto/master-key.ts';
import { bindKeyring, decryptDocuments, encryptDocuments, personalData } from '../lib/crypto/encrypted-fields.ts';
import { encryptWithKey } from '../lib/crypto/field-cipher.ts';
import { dataKeyModel } from '../models/data-key.ts';
import { onCleanup, tempDir } from './lib/proc.ts';
import { summarize } from './lib/stats.ts';
import { BenchFailure, type BenchContext, type Row } from './lib/report.ts';

export const description = 'field encryption: insert + read of lead-like documents with vs without encrypted personal fields';

const BATCH = 1_000;
const ACCOUNTS = 10;
const CPU_DOCS = 20_000;

function leadsWanted(): number {
  const raw = process.env.BENCH_LEADS; // bench/ is outside the engine: its knobs are the bench's own
  const n = raw ? Number(raw) : 50_000;
  if (!Number.isInteger(n) || n < BATCH) throw new Error(`BENCH_LEADS must be an integer ≥ ${BATCH} (got ${raw})`);
  return Math.floor(n / BATCH) * BATCH;
}

const leadShape = () => ({
  _id: { type: String, required: true },
  accountId: { type: String, required: true },
  name: { type: String, required: true },
  email: { type: String, required: true },
  phone: { type: String },
  company: { type: String },
});

function leadModels(conn: Connection, keyring: MongoKeyring) {
  const plain = new Schema(leadShape(), { versionKey: false });
  plain.index({ accountId: 1 });
  const padded = new Schema({ ...leadShape(), emailIndex: { type: String }, phoneIndex: { type: String } }, { versionKey: false });
  padded.index({ accountId: 1 });
  padded.index({ accountId: 1, emailIndex: 1 });
  const encrypted = new Schema({ ...leadShape(), emailBlindIndex: { type: String }, phoneBlindIndex: { type: String } }, { versionKey: false });
  encrypted.index({ accountId: 1 });
  encrypted.index({ accountId: 1, emailBlindIndex: 1 });
  encrypted.plugin(personalData, { personalFields: ['name', 'email', 'phone'], blindIndexes: { email: 'email', phone: 'phone' }, accountIdFrom: { path: 'accountId' } });
  const Plain = conn.model('BenchLeadPlain', plain, 'leads_plain');
  const Padded = conn.model('BenchLeadPadded', padded, 'leads_padded');
  const Encrypted = conn.model('BenchLeadEncrypted', encrypted, 'leads_encrypted');
  bindKeyring(Encrypted, keyring);
  return { Plain, Padded, Encrypted };
}

const FIRST = ['Ana', 'Bo', 'Chidi', 'Dana', 'Émile', 'Fumiko', 'Gus', 'Hana', 'Ivo', 'Jaya'];
const LAST = ['Okafor', 'Schmidt', 'Tanaka', 'García', 'Novak', 'Silva', 'Kowalski', 'Haddad', 'Nguyen', 'Brown'];

function lead(i: number, accounts: string[]) {
  const first = FIRST[i % FIRST.length]!;
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
  return {
    _id: `lead_${i.toString(16).padStart(8, '0')}`,
    accountId: accounts[i % accounts.length]!,
    name: `${first} ${last}`,
    email: `${first.toLowerCase()}.${last.toLowerCase()}.${i}@leads.example`,
    phone: `+49 30 ${String(1_000_000 + i).slice(-7)}`,
    company: `Company ${i % 997}`,
  };
}

const seconds = (ms: number) => ms / 1000;

type Side = 'plain' | 'padded' | 'encrypted';
const SIDES: Side[] = ['plain', 'padded', 'encrypted'];

export async function run(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const n = leadsWanted();
  try {
    const dir = await tempDir('crypto');
    const { cacheDir } = loadConfig({});
    // Only FerretDB is needed: the other services are declared external, so the stack does not start them.
    ctx.log('starting FerretDB');
    const stack = await startLocalStack({ dataDir: dir, cacheDir, namespace: 'default', external: { temporalAddress: 'unused:1', smtpUrl: 'smtp://unused:1' }, progress: (l) => ctx.log(l) });
    onCleanup(() => stack.stop());
    const conn = await connectMongo(stack.mongoUri.replace(/\/loro$/, '/bench_crypto'));
    onCleanup(() => conn.close());
    const keyring = new MongoKeyring(dataKeyModel(conn), loadMasterKeys(loadConfig({ LORO_MASTER_KEY: generateMasterKey() })));
    await dataKeyModel(conn).createIndexes();
    const models = leadModels(conn, keyring);
    await Promise.all(Object.values(models).map((m) => m.createIndexes()));
    const accounts = Array.from({ length: ACCOUNTS }, () => `acc_${randomBytes(16).toString('hex')}`);
    await Promise.all(accounts.map((a) => keyring.dataKeyFor(a)));

    // The "padded" side stores plaintext as long as the ciphertext would be (and two index-sized fields): what
    // the database pays for the bigger documents alone, so the rest of the difference is the crypto and the hooks.
    const anyKey = await keyring.dataKeyFor(accounts[0]!);
    const sealedLength = (value: string) => encryptWithKey(anyKey, value, { accountId: anyKey.ownerId, collection: 'x', field: 'x', documentId: 'x' }).length;
    const pad = (value: string) => value.padEnd(sealedLength(value), '·');
    const docsFor = (side: Side, from: number, count: number) =>
      Array.from({ length: count }, (_, i) => {
        const l = lead(from + i, accounts);
        // Index values spread like HMACs (an index of equal values would be cheaper to maintain than the real one).
        const spread = (v: string) => createHash('md5').update(v).digest('hex');
        return side === 'padded' ? { ...l, name: pad(l.name), email: pad(l.email), phone: pad(l.phone), emailIndex: spread(l.email), phoneIndex: spread(l.phone) } : l;
      });
    // One type for the three (they differ only in extra fields): the bench treats them alike.
    const model = (side: Side) => (side === 'plain' ? models.Plain : side === 'padded' ? models.Padded : models.Encrypted) as unknown as Model<Record<string, unknown>>;
    const timed = async (fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      await fn();
      return performance.now() - t0;
    };
    const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);

    // 1. inserts, batch by batch, the order of the sides rotating (one batch each first as a warm-up, not counted)
    ctx.log(`inserting ${n.toLocaleString('en')} leads per side (plain, padded, encrypted) in batches of ${BATCH}`);
    for (const side of SIDES) await model(side).insertMany(docsFor(side, n, BATCH));
    const insertMs: Record<Side, number[]> = { plain: [], padded: [], encrypted: [] };
    for (let b = 0; b < n / BATCH; b++) {
      for (let k = 0; k < SIDES.length; k++) {
        const side = SIDES[(b + k) % SIDES.length]!;
        const docs = docsFor(side, b * BATCH, BATCH);
        insertMs[side].push(await timed(() => model(side).insertMany(docs)));
      }
      if ((b + 1) % 20 === 0) ctx.log(`  ${((b + 1) * BATCH).toLocaleString('en')} inserted`);
    }
    ctx.detail('insertBatchMs', Object.fromEntries(SIDES.map((side) => [side, summarize(insertMs[side])])));
    const insert = Object.fromEntries(SIDES.map((side) => [side, sum(insertMs[side]) / 1000])) as Record<Side, number>;
    const perSecond = (s: number) => `${Math.round(n / s).toLocaleString('en')} docs/s`;
    rows.push({
      section: '1 insert',
      metric: `insertMany ${n.toLocaleString('en')} leads, encrypted (3 fields + 2 blind indexes)`,
      value: insert.encrypted,
      unit: 's',
      baseline: { label: 'plain', value: insert.plain, unit: 's' },
      note: `${perSecond(insert.encrypted)} vs ${perSecond(insert.plain)}`,
    });
    rows.push({
      section: '1 insert',
      metric: '  the same, against plaintext padded to the ciphertext’s size',
      value: insert.encrypted,
      unit: 's',
      baseline: { label: 'padded plain', value: insert.padded, unit: 's' },
      note: 'what is left is the crypto and the hooks',
    });

    // Storage check: the encrypted collection holds no plaintext address.
    const raw = await conn.db!.collection('leads_encrypted').findOne({ _id: lead(7, accounts)._id as never });
    if (!raw || JSON.stringify(raw).includes(lead(7, accounts).email)) throw new Error('the encrypted collection holds plaintext');

    // 2. reads: each collection once, whole, lean (FerretDB scans the collection for any filter but _id, so one
    // query per side measures reading the documents, not repeated scans)
    ctx.log('reading them back');
    const read = { plain: 0, padded: 0, encrypted: 0 } as Record<Side, number>;
    for (const side of SIDES) {
      const t0 = performance.now();
      const docs = await model(side).find().lean();
      read[side] = (performance.now() - t0) / 1000;
      if (docs.length !== n + BATCH) throw new Error(`read ${docs.length} ${side} leads, expected ${n + BATCH}`);
      if (side === 'encrypted') {
        const want = lead(11, accounts);
        const got = docs.find((d) => d._id === want._id) as { email?: string } | undefined;
        if (got?.email !== want.email) throw new Error('a decrypted lead differs from what was written');
      }
    }
    rows.push({
      section: '2 read',
      metric: `find().lean() of ${(n + BATCH).toLocaleString('en')} leads, decrypted`,
      value: read.encrypted,
      unit: 's',
      baseline: { label: 'plain', value: read.plain, unit: 's' },
    });
    rows.push({ section: '2 read', metric: '  the same, against padded plaintext', value: read.encrypted, unit: 's', baseline: { label: 'padded plain', value: read.padded, unit: 's' } });
    rows.push({
      section: '3 total',
      metric: 'insert + read, encrypted',
      value: insert.encrypted + read.encrypted,
      unit: 's',
      baseline: { label: 'plain', value: insert.plain + read.plain, unit: 's' },
      note: 'target ≤ 1.3×',
    });
    rows.push({
      section: '3 total',
      metric: '  the same, against padded plaintext',
      value: insert.encrypted + read.encrypted,
      unit: 's',
      baseline: { label: 'padded plain', value: insert.padded + read.padded, unit: 's' },
    });

    // 4. the crypto alone: what the hooks do per document, with no database in the way
    ctx.log('CPU only');
    const cpuDocs = Array.from({ length: CPU_DOCS }, (_, i) => lead(i, accounts));
    const t0 = performance.now();
    const sealed: unknown[][] = [];
    for (let b = 0; b < CPU_DOCS / BATCH; b++) sealed.push(await encryptDocuments(models.Encrypted, cpuDocs.slice(b * BATCH, (b + 1) * BATCH)));
    const encryptUs = ((performance.now() - t0) * 1000) / CPU_DOCS;
    const t1 = performance.now();
    for (const batch of sealed) await decryptDocuments(models.Encrypted, batch);
    const decryptUs = ((performance.now() - t1) * 1000) / CPU_DOCS;
    rows.push({ section: '4 CPU only', metric: 'encrypt 3 fields + 2 blind indexes', value: encryptUs, unit: 'µs/doc', note: `${CPU_DOCS.toLocaleString('en')} documents, no database` });
    rows.push({ section: '4 CPU only', metric: 'decrypt 3 fields', value: decryptUs, unit: 'µs/doc' });
    return rows;
  } catch (err) {
    throw new BenchFailure(err, rows);
  }
}
