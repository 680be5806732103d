/**
 * Data export end to end: the API starts the DataExport workflow on the real worker, progress arrives over
 * socket.io, the signed link downloads the ZIP, and the archive holds every record of the account exactly once,
 * decrypted, with checksums matching its manifest — and nothing of another account. Then: what is stored is
 * ciphertext only; forged and expired links get 403 and are audited; a crashed attempt leaves no second archive;
 * crypto-shredding the account makes its archive unreadable; the purge helper removes everything.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { io, type Socket } from 'socket.io-client';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { waitFor } from '../fixtures/wait.ts';
import { newId } from '../../models/ids.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import type { ExportSummary } from '../../contracts/exports.ts';
import { createLinkSigner } from '../../lib/signed-links.ts';
import { KeyDestroyedError } from '../../lib/crypto/errors.ts';
import { buildExport, deleteAccountExports, ensureExportRecord, EXPORT_BUCKET, newExportId, openExportDownload } from '../../lib/exports/store.ts';
import type { ArchiveManifest } from '../../lib/exports/archive.ts';

let engine: Engine;
let admin: HttpSession;
const sockets: Socket[] = [];

beforeAll(async () => {
  engine = await startEngine();
  const user = await addUser(engine, ['admin']);
  admin = await HttpSession.signIn(engine.baseUrl, user.email);
}, 60_000);
afterAll(async () => {
  for (const s of sockets) s.close();
  await engine?.close();
});

const unique = () => Math.random().toString(36).slice(2, 10);

/** An account with leads, invoices, payments, usage events and consents; returns every personal value stored. */
async function seedAccount(leads = 25) {
  const { models } = engine.deps;
  const accountId = newId('acc');
  const tag = unique();
  const owner = { name: `Olive Owner ${tag}`, email: `olive-${tag}@acme.example` };
  await models.Account.create({ _id: accountId, name: `Acme ${tag}`, owner });
  const leadDocs = Array.from({ length: leads }, (_, i) => ({
    _id: `lead_${tag}_${i}`,
    accountId,
    // Commas, quotes, line breaks and non-ASCII: what CSV must quote and JSON must keep.
    name: `Léa "Quote", Nº${i} ${tag}`,
    email: `lead${i}-${tag}@example.org`,
    phone: `+3361234${String(i).padStart(4, '0')}`,
    address: { street: `${i} rue de la Paix`, city: 'Paris' },
    notes: `met at the fair\nline two ${tag}`,
    company: 'Bakery SARL',
  }));
  await models.Lead.insertMany(leadDocs);
  const invoices = Array.from({ length: 3 }, (_, i) => ({
    _id: `inv_${tag}_${i}`,
    accountId,
    number: `F-${tag}-${i}`,
    customer: { name: `Customer ${i} ${tag}`, email: `billing${i}-${tag}@example.org`, taxId: `FR${tag}${i}` },
    lines: [{ description: 'Service, monthly', quantity: 2, unitPriceCents: 1500 }],
    totalCents: 3000,
    currency: 'EUR',
    status: 'issued',
    issuedAt: new Date('2026-01-15T10:00:00Z'),
  }));
  await models.Invoice.insertMany(invoices);
  await models.Payment.insertMany([{ _id: `pay_${tag}`, accountId, invoiceId: invoices[0]!._id, amountCents: 3000, currency: 'EUR', method: 'card', payerName: `Payer ${tag}`, instrument: `card ending 42${tag}`, paidAt: new Date() }]);
  const events = Array.from({ length: 40 }, (_, i) => ({
    _id: `${accountId}/ev-${i}`,
    accountId,
    userId: 'usr_x',
    at: new Date(Date.UTC(2026, 0, 1, 0, i)),
    day: '2026-01-01',
    receivedAt: new Date(),
    ipPrefix: '203.0.113.0/24',
    browser: { name: 'Firefox', major: '140' },
    os: { name: 'Linux' },
    device: 'desktop',
    page: '/leads',
    action: 'view',
  }));
  await models.UsageEvent.insertMany(events);
  await models.Consent.insertMany([
    { _id: `con_${tag}`, accountId, subjectType: 'lead', subjectId: leadDocs[0]!._id, category: 'marketing', granted: true, policyVersion: '1', source: 'crm', at: new Date(), seq: 1 },
  ]).catch(() => undefined); // the consent model's own shape may demand more; the test counts what is stored
  const personal = [owner.name, owner.email, ...leadDocs.flatMap((l) => [l.name, l.email, l.phone, l.notes]), ...invoices.flatMap((i) => [i.customer.name, i.customer.email]), `Payer ${tag}`];
  return { accountId, tag, owner, leadDocs, invoices, events, personal };
}

/** The account's stored records per collection, read with the bare driver (ids only). */
async function storedIds(accountId: string): Promise<Record<string, string[]>> {
  const db = engine.deps.mongo.db!;
  const out: Record<string, string[]> = { accounts: [accountId] };
  for (const name of ['leads', 'technicians', 'jobs', 'route_plans', 'location_points', 'usage_events', 'usage_daily', 'invoices', 'payments', 'consents']) {
    out[name] = (await db.collection(name).find({ accountId }, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id)).sort();
  }
  return out;
}

function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return reject(err);
      const files = new Map<string, Buffer>();
      file.on('entry', (entry: yauzl.Entry) => {
        file.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const parts: Buffer[] = [];
          stream.on('data', (c: Buffer) => parts.push(c));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(parts));
            file.readEntry();
          });
        });
      });
      file.on('end', () => resolve(files));
      file.on('error', reject);
      file.readEntry();
    });
  });
}

/** RFC 4180 rows (quoted fields with commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += c;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

async function requestExport(accountId: string): Promise<ExportSummary> {
  const res = await admin.request('POST', `/api/accounts/${accountId}/exports`);
  expect(res.status, res.text).toBe(202);
  return waitFor(
    `export ${res.json.exportId} ready`,
    async () => {
      const s = await admin.request('GET', `/api/accounts/${accountId}/exports/${res.json.exportId}`);
      if (s.json?.status === 'failed') throw new Error('export failed');
      return s.json?.status === 'ready' ? (s.json as ExportSummary) : undefined;
    },
    60_000,
  );
}

async function download(url: string) {
  const res = await fetch(engine.baseUrl + url);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const auditEntries = (action: string, exportId: string) => engine.deps.models.AuditEntry.find({ action, 'target.id': exportId }).lean();

describe('data export', () => {
  let a: Awaited<ReturnType<typeof seedAccount>>;
  let b: Awaited<ReturnType<typeof seedAccount>>;
  let ready: ExportSummary;
  let zip: Buffer;

  beforeAll(async () => {
    [a, b] = [await seedAccount(), await seedAccount(7)];
  });

  it('exports through the workflow with live progress, and the signed link downloads the ZIP', async () => {
    const socket = io(engine.baseUrl, { reconnection: false, forceNew: true, extraHeaders: { cookie: admin.cookieHeader } });
    sockets.push(socket);
    const pushed: ExportSummary[] = [];
    socket.on('export:progress', (s) => pushed.push(s));
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('connect_error', reject));

    ready = await requestExport(a.accountId);
    expect(ready.downloadUrl).toMatch(/^\/api\/exports\/exp_[0-9a-f]{32}\/download\?token=/);
    await waitFor('a pushed ready event', async () => pushed.some((p) => p.exportId === ready.exportId && p.status === 'ready' && p.progress.percent === 100));
    expect(pushed.find((p) => p.exportId === ready.exportId)?.downloadUrl).toBeNull(); // links come from the API only

    const res = await download(ready.downloadUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    zip = res.body;
    expect(zip.length).toBe(ready.bytes);
    expect(createHash('sha256').update(zip).digest('hex')).toBe(ready.sha256);
    expect(await auditEntries('export.downloaded', ready.exportId)).toHaveLength(1);
    // The record turns ready inside the build activity; the workflow records its milestone just after.
    const milestones = await waitFor('the export.ready milestone', async () => {
      const found = await auditEntries('workflow.export.ready', ready.exportId);
      return found.length ? found : undefined;
    });
    expect(milestones).toHaveLength(1);
  });

  it('holds every record of the account exactly once, decrypted, with checksums matching the manifest', async () => {
    const files = await unzip(zip);
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8')) as ArchiveManifest;
    expect(manifest).toMatchObject({ format: 'loro-account-export', formatVersion: 1, exportId: ready.exportId, accountId: a.accountId });
    expect(files.get('README.txt')!.toString()).toContain('manifest.json');
    // Every file is listed, and its bytes match the listed size and SHA-256.
    expect([...files.keys()].filter((f) => f.startsWith('data/')).sort()).toEqual(manifest.files.map((f) => f.path).sort());
    for (const f of manifest.files) {
      const content = files.get(f.path)!;
      expect(content.length, f.path).toBe(f.bytes);
      expect(createHash('sha256').update(content).digest('hex'), f.path).toBe(f.sha256);
    }
    const stored = await storedIds(a.accountId);
    let total = 0;
    for (const [collection, ids] of Object.entries(stored)) {
      const jsonl = files.get(`data/${collection}.jsonl`)!.toString('utf8');
      const records = jsonl.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records.map((r) => String(r._id)).sort(), collection).toEqual(ids);
      const csv = parseCsv(files.get(`data/${collection}.csv`)!.toString('utf8'));
      const idColumn = csv[0]!.indexOf('_id');
      expect(csv.slice(1).map((r) => r[idColumn]).sort(), `${collection}.csv`).toEqual(ids);
      expect(manifest.collections.find((c) => c.name === collection)?.records).toBe(ids.length);
      total += ids.length;
    }
    expect(ready.records).toBe(total);
    expect(total).toBeGreaterThanOrEqual(1 + 25 + 3 + 1 + 40);

    // Decrypted for the owner: the values as entered, in both formats; no blind index.
    const leads = files.get('data/leads.jsonl')!.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const lead3 = leads.find((l) => l._id === a.leadDocs[3]!._id)!;
    expect(lead3).toMatchObject({ name: a.leadDocs[3]!.name, email: a.leadDocs[3]!.email, phone: a.leadDocs[3]!.phone, notes: a.leadDocs[3]!.notes, address: a.leadDocs[3]!.address });
    expect(Object.keys(lead3).some((k) => k.endsWith('BlindIndex'))).toBe(false);
    const leadCsv = parseCsv(files.get('data/leads.csv')!.toString('utf8'));
    const header = leadCsv[0]!;
    const row = leadCsv.find((r) => r[0] === a.leadDocs[3]!._id)!;
    expect(row[header.indexOf('name')]).toBe(a.leadDocs[3]!.name);
    expect(row[header.indexOf('notes')]).toBe(a.leadDocs[3]!.notes);
    expect(JSON.parse(row[header.indexOf('address')]!)).toEqual(a.leadDocs[3]!.address);
    const account = JSON.parse(files.get('data/accounts.jsonl')!.toString('utf8')) as { owner: { email: string; name: string } };
    expect(account.owner).toEqual(a.owner);
    const invoice = JSON.parse(files.get('data/invoices.jsonl')!.toString('utf8').split('\n')[0]!) as { customer: { email: string } };
    expect(a.invoices.map((i) => i.customer.email)).toContain(invoice.customer.email);

    // Nothing of the other account.
    const everything = [...files.values()].map((f) => f.toString('utf8')).join('\n');
    expect(everything).not.toContain(b.accountId);
    expect(everything).not.toContain(b.tag);
  });

  it('stores ciphertext only: no personal value, no ZIP structure in the export store', async () => {
    const db = engine.deps.mongo.db!;
    const chunks = await db.collection(`${EXPORT_BUCKET}.chunks`).find({ files_id: { $regex: `^${a.accountId}\\.` } }).toArray();
    expect(chunks.length).toBeGreaterThan(0);
    const raw = Buffer.concat(chunks.sort((x, y) => x.n - y.n).map((c) => Buffer.from((c.data as { buffer: Uint8Array }).buffer)));
    const record = JSON.stringify(await db.collection('data_exports').findOne({ _id: ready.exportId as never }));
    const fileDoc = JSON.stringify(await db.collection(`${EXPORT_BUCKET}.files`).find({ 'metadata.accountId': a.accountId }).toArray());
    // An unencrypted ZIP would show its entry names and signatures in the clear, even compressed.
    for (const marker of ['PK\u0003\u0004', 'manifest.json', 'data/leads.jsonl', ...a.personal]) {
      expect(raw.includes(Buffer.from(marker, 'utf8')), marker).toBe(false);
      expect(record.includes(marker) || fileDoc.includes(marker), marker).toBe(false);
    }
    expect(record).toMatch(/"contentKey":"v1\./); // the content key as a field ciphertext
  });

  it('refuses forged, expired, wrong-purpose and other-export links with 403, each audited', async () => {
    const links = createLinkSigner(engine.deps.keyring);
    const token = new URL(ready.downloadUrl!, engine.baseUrl).searchParams.get('token')!;
    const forged = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const expired = await links.sign({ purpose: 'download-export', subject: ready.exportId, expiresAt: new Date(Date.now() - 1000) });
    const wrongPurpose = await links.sign({ purpose: 'reactivate-account', subject: ready.exportId, expiresAt: new Date(Date.now() + 60_000) });
    const otherExport = await links.sign({ purpose: 'download-export', subject: newExportId(), expiresAt: new Date(Date.now() + 60_000) });
    const cases = [
      [forged, 'forged'],
      ['not-even-a-token', 'forged'],
      [expired, 'expired'],
      [wrongPurpose, 'wrong-purpose'],
      [otherExport, 'wrong-export'],
    ] as const;
    for (const [t, reason] of cases) {
      const res = await admin.request('GET', `/api/exports/${ready.exportId}/download?token=${encodeURIComponent(t)}`);
      expect(res.status, reason).toBe(403);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.json).toMatchObject({ status: 403, type: 'https://loro.example/problems/forbidden' });
    }
    const refusals = await auditEntries('export.download-refused', ready.exportId);
    expect(refusals.map((r) => (r.details as { reason: string }).reason).sort()).toEqual(cases.map(([, r]) => r).sort());
    expect(refusals.every((r) => r.actor?.kind === 'user')).toBe(true);
  });

  it('answers 404 for an unknown account and lists the exports of a known one', async () => {
    expect((await admin.request('POST', `/api/accounts/${newId('acc')}/exports`)).status).toBe(404);
    const list = await admin.request('GET', `/api/accounts/${a.accountId}/exports`);
    expect(list.status).toBe(200);
    expect(list.json.exports.map((e: ExportSummary) => e.exportId)).toEqual([ready.exportId]);
  });

  it('a retry after a crashed attempt writes the archive anew: one file, no leftovers', async () => {
    const { models } = engine.deps;
    const exportId = newExportId();
    await ensureExportRecord(models, { exportId, accountId: b.accountId, reason: 'portability', requestedBy: 'system' });
    // Attempt 1 dies mid-way (its worker crashed): aborted after the first batch, leaving chunks behind.
    const crash = new AbortController();
    await expect(
      buildExport(models, exportId, { attempt: 1, ttlMs: 60_000, signal: crash.signal, compressionLevel: 0, onProgress: () => crash.abort(new Error('worker crashed')) }),
    ).rejects.toThrow();
    const first = await buildExport(models, exportId, { attempt: 2, ttlMs: 60_000 });
    const again = await buildExport(models, exportId, { attempt: 3, ttlMs: 60_000 });
    expect(again).toEqual(first);
    const db = engine.deps.mongo.db!;
    const fileIds = (await db.collection(`${EXPORT_BUCKET}.files`).find({ 'metadata.exportId': exportId }).toArray()).map((f) => f._id);
    expect(fileIds).toEqual([`${b.accountId}.${exportId}.2`]);
    const chunkOwners = await db.collection(`${EXPORT_BUCKET}.chunks`).distinct('files_id', { files_id: { $regex: exportId } });
    expect(chunkOwners).toEqual([`${b.accountId}.${exportId}.2`]);
    expect(first.records).toBe(Object.values(await storedIds(b.accountId)).flat().length);
  });

  it('after crypto-shredding the account, its archive can no longer be decrypted', async () => {
    const c = await seedAccount(5);
    const exp = await requestExport(c.accountId);
    // The workflow's last steps (audit milestone) finish first: after the shredding its history no longer decrypts.
    await engine.deps.temporal.workflow.getHandle(workflowIds.dataExport(c.accountId, exp.exportId)).result();
    await engine.deps.keyring.destroy(c.accountId);
    await expect(openExportDownload(engine.deps.models, exp.exportId)).rejects.toBeInstanceOf(KeyDestroyedError);
    const res = await download(exp.downloadUrl!);
    expect(res.status).toBe(410);
    expect(JSON.parse(res.body.toString()).type).toBe('https://loro.example/problems/export-unreadable');
    expect((await auditEntries('export.download-refused', exp.exportId)).map((e) => (e.details as { reason: string }).reason)).toEqual(['key-destroyed']);
  });

  it('deleteAccountExports removes every archive and record of the account, and is idempotent', async () => {
    const { models } = engine.deps;
    const db = engine.deps.mongo.db!;
    const first = await deleteAccountExports(models, a.accountId);
    expect(first).toMatchObject({ files: 1, records: 1 });
    expect(first.bytes).toBeGreaterThan(ready.bytes!);
    expect(await db.collection(`${EXPORT_BUCKET}.chunks`).countDocuments({ files_id: { $regex: `^${a.accountId}\\.` } })).toBe(0);
    expect(await models.DataExport.countDocuments({ accountId: a.accountId })).toBe(0);
    expect(await deleteAccountExports(models, a.accountId)).toEqual({ files: 0, bytes: 0, records: 0 });
    // The other account's export is untouched.
    expect(await models.DataExport.countDocuments({ accountId: b.accountId })).toBe(1);
  });
});
