/**
 * Account cancellation over its real 30 days, on the time-skipping server, with real mail and the real database:
 * reactivation on day 29, the purge on day 30 with reminders on days 23 and 29 and a certificate, and a legal
 * hold placed on day 10 that keeps everything past day 30 until it is released.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { accountCancellation, cancellationStateQuery, legalHoldsChangedSignal, reactivateUpdate } from '../../workflows/account-cancellation.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { createLegalHolds } from '../../lib/legal-holds.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { KeyDestroyedError } from '../../lib/crypto/errors.ts';
import { createTimeSkippingFixture, type TimeSkippingFixture } from '../fixtures/time-skipping.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

let t: TimeSkippingFixture;
beforeAll(async () => {
  t = await createTimeSkippingFixture();
});
afterAll(() => t?.close());

const DAY = 86_400_000;
const ADMIN = 'usr_00000000000000000000000000000001';

/** An account with data of several kinds, financial records among them. */
async function newAccount() {
  const accountId = `acc_${randomBytes(16).toString('hex')}`;
  const email = uniqueEmail('cancel');
  const m = t.models;
  await m.Account.create({ _id: accountId, name: 'Osaka Heating', owner: { name: 'Kei Owner', email } });
  await m.Lead.insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: `led_${accountId.slice(4, 16)}${i}`, accountId, name: `Lead ${i}`, email: `lead${i}@prospect.example` })));
  await m.Invoice.create({ _id: `inv_${accountId.slice(4)}`, accountId, number: 'INV-1', customer: { name: 'Carla Customer', email: 'carla@customer.example' }, totalCents: 12_000, currency: 'EUR', status: 'paid' });
  await m.Payment.create({ _id: `pay_${accountId.slice(4)}`, accountId, invoiceId: `inv_${accountId.slice(4)}`, amountCents: 12_000, currency: 'EUR', method: 'card', payerName: 'Carla Customer', paidAt: new Date() });
  return { accountId, email };
}

function start(accountId: string) {
  return t.env.client.workflow.start(accountCancellation, {
    taskQueue: t.taskQueue,
    workflowId: workflowIds.accountCancellation(accountId),
    args: [{ accountId, requestedBy: ADMIN, graceDays: 30, financialRetentionDays: 3650 }],
  });
}

/** Workflow time (days after the start) at which each activity of that type was scheduled. */
async function scheduledDays(handle: WorkflowHandle, activity: string) {
  const { events } = await handle.fetchHistory();
  const started = Number(events![0]!.eventTime!.seconds) * 1000;
  return events!
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity)
    .map((e) => Math.round(((Number(e.eventTime!.seconds) * 1000 - started) / DAY) * 10) / 10);
}

const subjects = async (email: string) => (await mailTo(email)).map((m) => m.subject);

describe('accountCancellation', () => {
  it('purges on day 30 after reminders on days 23 and 29, keeps financial records pseudonymised, and issues a certificate', async () => {
    const { accountId, email } = await newAccount();
    const handle = await start(accountId);
    const outcome = await t.withWorker(() => handle.result());
    expect(outcome.outcome).toBe('purged');

    expect(await scheduledDays(handle, 'sendCancellationReminder')).toEqual([23, 29]);
    expect(await scheduledDays(handle, 'purgeAccountStores')).toEqual([30]);
    const mails = await subjects(email);
    expect(mails.filter((s) => s.includes('is cancelled'))).toHaveLength(1);
    expect(mails.filter((s) => s.startsWith('In 7 days'))).toHaveLength(1);
    expect(mails.filter((s) => s.startsWith('Tomorrow'))).toHaveLength(1);
    expect(mails.filter((s) => s.startsWith('Deletion certificate'))).toHaveLength(1);
    expect(mails).toHaveLength(4);

    const m = t.models;
    expect(await m.Account.countDocuments({ _id: accountId })).toBe(0);
    expect(await m.Lead.countDocuments({ accountId })).toBe(0);
    // Financial records stay, without the customer's personal fields, until their retention ends.
    const raw = t.models.Invoice.collection;
    const invoice = await raw.findOne({ accountId });
    expect(invoice).toMatchObject({ number: 'INV-1', totalCents: 12_000 });
    expect(invoice!.customer ?? {}).toEqual({});
    expect(invoice!.pseudonymisedAt).toBeInstanceOf(Date);
    expect((invoice!.retainUntil as Date).getTime() - Date.now()).toBeGreaterThan(3000 * DAY);
    expect((await t.models.Payment.collection.findOne({ accountId }))?.payerName).toBeUndefined();

    // The certificate: counts per store, what was kept and why, the key destruction; in the audit chain; mailed.
    const certificate = await m.DeletionCertificate.findById(outcome.certificateId).lean();
    expect(certificate).toBeTruthy();
    expect(certificate!.deleted).toEqual(expect.arrayContaining([{ store: 'leads', count: 5 }, { store: 'accounts', count: 1 }]));
    expect(certificate!.retained).toEqual(expect.arrayContaining([expect.objectContaining({ store: 'invoices', count: 1 }), expect.objectContaining({ store: 'payments', count: 1 })]));
    expect(certificate!.keyDestruction?.keyIds?.length).toBeGreaterThan(0);
    expect(certificate!.mailedAt).toBeInstanceOf(Date);
    const entry = await m.AuditEntry.findById(certificate!.audit!.seq).lean();
    expect(entry).toMatchObject({ action: 'account.purged', details: { certificateId: outcome.certificateId, certificateSha256: certificate!.audit!.certificateSha256 } });
    expect(await createAuditLog(m.AuditEntry).verify()).toMatchObject({ ok: true });
    const certificateMail = (await mailTo(email)).find((x) => x.subject.startsWith('Deletion certificate'))!;
    expect(certificateMail.text).toContain('leads: 5');
    // The address the certificate went to is gone too; the account's key is destroyed.
    expect(await m.CertificateRecipient.countDocuments({ _id: handle.workflowId })).toBe(0);
    await expect(t.keyring.dataKeyById(certificate!.keyDestruction!.keyIds[0]!)).rejects.toBeInstanceOf(KeyDestroyedError);
  });

  it('reactivated on day 29: the account is active again, nothing is deleted, no further mail', async () => {
    const { accountId, email } = await newAccount();
    const handle = await start(accountId);
    const outcome = await t.withWorker(async () => {
      await waitFor('the cancellation notice', async () => (await subjects(email)).some((s) => s.includes('is cancelled')));
      await t.env.sleep(29 * DAY - 60_000);
      expect(await handle.query(cancellationStateQuery)).toMatchObject({ phase: 'grace', remindersSent: [7] });
      await handle.executeUpdate(reactivateUpdate, { args: [{ by: ADMIN }] });
      return handle.result();
    });
    expect(outcome).toEqual({ outcome: 'reactivated' });
    const account = await t.models.Account.findById(accountId).lean();
    expect(account?.status).toBe('active');
    expect(account?.cancellation).toBeUndefined();
    expect(await t.models.Lead.countDocuments({ accountId })).toBe(5);
    // The notice and the day-23 reminder only; the day-29 reminder was due a minute later.
    const mails = await subjects(email);
    expect(mails).toHaveLength(2);
    expect(mails.filter((s) => s.startsWith('In 7 days'))).toHaveLength(1);
    expect(await scheduledDays(handle, 'purgeAccountStores')).toEqual([]);
    // Past the purge date now: nothing changes.
    await t.env.sleep(5 * DAY);
    expect(await t.models.Lead.countDocuments({ accountId })).toBe(5);
    expect(await subjects(email)).toHaveLength(2);
  });

  it('a legal hold placed on day 10 keeps everything past day 30; released, the purge runs', async () => {
    const { accountId, email } = await newAccount();
    const handle = await start(accountId);
    const holds = createLegalHolds(t.models.LegalHold);
    const outcome = await t.withWorker(async () => {
      await waitFor('the cancellation notice', async () => (await subjects(email)).some((s) => s.includes('is cancelled')));
      await t.env.sleep(10 * DAY);
      const hold = await holds.place({ accountId, reference: 'CASE-2026-17', placedBy: ADMIN });
      await handle.signal(legalHoldsChangedSignal);
      await waitFor('the workflow to see the hold', async () => (await handle.query(cancellationStateQuery)).phase === 'held');
      await t.env.sleep(21 * DAY); // day 31
      const state = await handle.query(cancellationStateQuery);
      expect(state).toMatchObject({ phase: 'held', legalHolds: [hold._id] });
      expect(await t.models.Lead.countDocuments({ accountId })).toBe(5);
      expect(await t.models.Account.countDocuments({ _id: accountId })).toBe(1);
      await holds.release(hold._id, ADMIN);
      await handle.signal(legalHoldsChangedSignal);
      return handle.result();
    });
    expect(outcome.outcome).toBe('purged');
    expect(await scheduledDays(handle, 'purgeAccountStores')).toEqual([31]);
    expect(await t.models.Lead.countDocuments({ accountId })).toBe(0);
    const certificate = await t.models.DeletionCertificate.findById(outcome.certificateId).lean();
    expect(certificate!.retained).toEqual(expect.arrayContaining([expect.objectContaining({ store: 'legal_holds', count: 1 })]));
  });
});
