/**
 * Account cancellation over HTTP against the real dev server: the refusals (unknown account, forged link,
 * reactivation after the purge, a second cancellation of a deleted account — each audited), one workflow for
 * concurrent requests, reactivation through the mailed link, and a purge the owner asked for at once, after
 * which no store — collections, export archives, Temporal — holds a readable personal value of the account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';

let engine: Engine;
let admin: HttpSession;
let adminId: string;

beforeAll(async () => {
  engine = await startEngine();
  const user = await addUser(engine, ['admin']);
  adminId = user.id;
  admin = await HttpSession.signIn(engine.baseUrl, user.email);
});
afterAll(() => engine?.close());

async function createAccount(label: string) {
  const email = uniqueEmail(label);
  const ownerName = `Owen Owner-${randomBytes(3).toString('hex')}`;
  const r = await admin.request('POST', '/api/accounts', { name: `${label} GmbH`, owner: { name: ownerName, email } });
  expect(r.status, r.text).toBe(202);
  const accountId = r.json.accountId as string;
  await waitFor('the welcome mail', async () => (await mailTo(email)).length > 0);
  return { accountId, email, ownerName };
}

const refusals = (accountId: string) => engine.deps.models.AuditEntry.find({ 'target.id': accountId, action: /refused$/ }).lean();

describe('account cancellation API', () => {
  it('answers 404 for an unknown account, and audits the refusal', async () => {
    const unknown = `acc_${randomBytes(16).toString('hex')}`;
    const r = await admin.request('POST', `/api/accounts/${unknown}/cancellation`);
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect((await refusals(unknown)).map((e) => e.action)).toEqual(['account.cancellation.refused']);
  });

  it('starts one workflow for concurrent requests and shows the countdown', async () => {
    const { accountId } = await createAccount('concurrent');
    const answers = await Promise.all([1, 2, 3].map(() => admin.request('POST', `/api/accounts/${accountId}/cancellation`)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((a) => a.json.runId)).size).toBe(1);
    const state = await waitFor('the cancellation state', async () => {
      const r = await admin.request('GET', `/api/accounts/${accountId}/cancellation`);
      return r.status === 200 && r.json;
    });
    expect(state).toMatchObject({ accountId, phase: 'grace', daysRemaining: 30 });
    await waitFor('the account marked cancellation-pending', async () => (await admin.request('GET', `/api/accounts/${accountId}`)).json.status === 'cancellation-pending');

    const extended = await admin.request('POST', `/api/accounts/${accountId}/cancellation/extend`, { days: 5 });
    expect(extended.status, extended.text).toBe(200);
    expect(Date.parse(extended.json.purgeAt) - Date.parse(state.purgeAt)).toBe(5 * 86_400_000);
    expect((await admin.request('POST', `/api/accounts/${accountId}/cancellation/extend`, { days: 0 })).status).toBe(400);
  });

  it('reactivates through the mailed link; a forged link is refused and audited', async () => {
    const { accountId, email } = await createAccount('reactivate');
    expect((await admin.request('POST', `/api/accounts/${accountId}/cancellation`)).status).toBe(202);
    const notice = await waitFor('the cancellation notice', async () => (await mailTo(email)).find((m) => m.subject.includes('is cancelled')));
    const token = /#\/reactivate\/([\w.-]+)/.exec(notice.text)![1]!;
    const anonymous = new HttpSession(engine.baseUrl);
    // The notice carries a working download link to the portable copy prepared at the cancellation.
    const download = /(\/api\/exports\/exp_\w+\/download\?token=\S+)/.exec(notice.text)![1]!;
    const zip = await fetch(engine.baseUrl + download);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toContain('application/zip');
    expect(Buffer.from(await zip.arrayBuffer()).subarray(0, 2).toString('latin1')).toBe('PK');

    const forged = await anonymous.request('POST', '/api/account-reactivations', { token: `${token.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(403);
    expect(await engine.deps.models.AuditEntry.countDocuments({ action: 'account.reactivation.refused', 'details.reason': 'forged' })).toBeGreaterThan(0);

    const done = await anonymous.request('POST', '/api/account-reactivations', { token });
    expect(done.status, done.text).toBe(200);
    expect((await admin.request('GET', `/api/accounts/${accountId}`)).json.status).toBe('active');
    const result = await engine.deps.temporal.workflow.getHandle(workflowIds.accountCancellation(accountId)).result();
    expect(result).toEqual({ outcome: 'reactivated' });
    // Not cancelled any more: a second reactivation is a conflict.
    expect((await anonymous.request('POST', '/api/account-reactivations', { token })).status).toBe(409);
  });

  it('purges at the owner’s request: no readable personal value is left anywhere, financial records stay pseudonymised', async () => {
    const { accountId, email, ownerName } = await createAccount('purge');
    const m = engine.deps.models;
    const tag = randomBytes(4).toString('hex');
    const personal = [ownerName, email, `Lisa Lead-${tag}`, `lisa.${tag}@lead.example`, `Pedro Payer-${tag}`, `Carla Customer-${tag}`];
    await m.Lead.create({ _id: `led_${tag}`, accountId, name: personal[2], email: personal[3], notes: `met at fair ${tag}` });
    await m.Invoice.create({ _id: `inv_${tag}`, accountId, number: `INV-${tag}`, customer: { name: personal[5], email: personal[3] }, totalCents: 5_000, currency: 'EUR' });
    await m.Payment.create({ _id: `pay_${tag}`, accountId, invoiceId: `inv_${tag}`, amountCents: 5_000, currency: 'EUR', method: 'transfer', payerName: personal[4], paidAt: new Date() });
    const onboarding = engine.deps.temporal.workflow.getHandle(workflowIds.accountOnboarding(accountId));

    expect((await admin.request('POST', `/api/accounts/${accountId}/cancellation`)).status).toBe(202);
    const handle = engine.deps.temporal.workflow.getHandle(workflowIds.accountCancellation(accountId));
    expect((await admin.request('POST', `/api/accounts/${accountId}/cancellation/purge-now`)).status).toBe(200);
    const outcome = await handle.result();
    expect(outcome.outcome).toBe('purged');

    // Every collection, the export archives (GridFS collections) included, read with the bare driver.
    const db = engine.deps.mongo.getClient().db(engine.deps.mongo.name);
    const leaks: string[] = [];
    for (const { name } of await db.listCollections().toArray()) {
      for (const doc of await db.collection(name).find().toArray()) {
        const text = JSON.stringify(doc).toLowerCase() + (doc.data?.buffer ? Buffer.from(doc.data.buffer).toString('latin1').toLowerCase() : '');
        for (const value of personal) if (text.includes(value.toLowerCase())) leaks.push(`${name}/${String(doc._id)}`);
      }
    }
    expect(leaks).toEqual([]);
    expect(await m.Lead.countDocuments({ accountId })).toBe(0);
    expect(await m.Account.countDocuments({ _id: accountId })).toBe(0);
    const invoice = await db.collection('invoices').findOne({ accountId });
    expect(invoice).toMatchObject({ number: `INV-${tag}`, totalCents: 5_000 });
    expect(invoice!.pseudonymisedAt).toBeInstanceOf(Date);

    // Temporal: the account's other workflows are gone with their histories and search attributes.
    await expect(onboarding.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const named = [];
    for await (const w of engine.deps.temporal.workflow.list({ query: `LoroAccountId = '${accountId}'` })) named.push(w.workflowId);
    expect(named).toEqual([]);
    // What is left — the cancellation's own history — holds IDs, dates and counts only (decoded here).
    const history = JSON.stringify(await handle.fetchHistory()).toLowerCase();
    for (const value of personal) expect(history).not.toContain(value.toLowerCase());
    // The account's data keys are destroyed.
    const keys = await db.collection('data_keys').find({ ownerId: accountId }).toArray();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.destroyedAt instanceof Date)).toBe(true);

    // The certificate, through the API; mailed once to the owner.
    const certificate = await admin.request('GET', `/api/deletion-certificates/${outcome.certificateId}`);
    expect(certificate.status).toBe(200);
    expect(certificate.json.deleted).toEqual(expect.arrayContaining([{ store: 'leads', count: 1 }]));
    expect(certificate.json.workflowHistoriesDeleted).toBeGreaterThanOrEqual(1);
    expect((await mailTo(email)).filter((x) => x.subject.startsWith('Deletion certificate'))).toHaveLength(1);
    expect(await createAuditLog(m.AuditEntry).verify()).toMatchObject({ ok: true });

    // After the purge: reactivation and a new cancellation are conflicts, each audited.
    const late = await admin.request('POST', `/api/accounts/${accountId}/cancellation/reactivate`);
    expect(late.status).toBe(409);
    expect(late.json.type).toMatch(/account-purged$/);
    expect((await admin.request('POST', `/api/accounts/${accountId}/cancellation`)).status).toBe(409);
    expect((await refusals(accountId)).map((e) => [e.action, e.actor?.id])).toEqual([
      ['account.reactivation.refused', adminId],
      ['account.cancellation.refused', adminId],
    ]);
  });
});
