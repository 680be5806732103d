/**
 * The privacy-policy change notice on the time-skipping server, with its real activities, real MongoDB protocol
 * and real SMTP: every active console user and active account's owner gets exactly one mail, disabled users and
 * accounts being cancelled none; batches are paced and the workflow continues as new; a second run of the same version mails no one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyChangeBroadcast, broadcastProgressQuery } from '../../workflows/policy-change-broadcast.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { newId } from '../../models/ids.ts';
import { policyTextSha256 } from '../../lib/policy.ts';
import { createTimeSkippingFixture, type TimeSkippingFixture } from '../fixtures/time-skipping.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

let t: TimeSkippingFixture;
beforeAll(async () => {
  t = await createTimeSkippingFixture();
});
afterAll(() => t?.close());

const VERSION = 2;
const SUBJECT = `Changes to the LORO CRM privacy policy (version ${VERSION})`;

async function audience() {
  const user = (label: string, disabled = false) => ({ _id: newId('usr'), email: uniqueEmail(label), name: `Pat ${label}`, passwordHash: 'not-a-real-hash', roles: ['ops'], disabled });
  const activeUsers = Array.from({ length: 12 }, () => user('policy-user'));
  const disabledUsers = [user('policy-disabled', true), user('policy-disabled', true)];
  await t.models.User.insertMany([...activeUsers, ...disabledUsers]);
  const account = (status: 'active' | 'cancellation-pending') => ({ _id: newId('acc'), name: 'Policy Plumbing', status, owner: { name: 'Olive Owner', email: uniqueEmail(`policy-owner-${status}`) } });
  const activeAccounts = [account('active'), account('active'), account('active')];
  const cancelledAccounts = [account('cancellation-pending')];
  for (const a of [...activeAccounts, ...cancelledAccounts]) await t.models.Account.create(a);
  const text = 'Privacy Policy\nVersion 2: location data is kept for 30 days instead of 90.\n';
  await t.models.PolicyVersion.create({
    _id: VERSION,
    effectiveAt: new Date('2026-01-15T00:00:00Z'),
    summary: 'Location data is kept for 30 days instead of 90.',
    text,
    sha256: policyTextSha256(text),
    publishedAt: new Date(),
    publishedBy: 'usr_test',
  });
  return {
    notified: [...activeUsers.map((u) => u.email), ...activeAccounts.map((a) => a.owner.email)],
    notNotified: [...disabledUsers.map((u) => u.email), ...cancelledAccounts.map((a) => a.owner.email)],
  };
}

describe('policyChangeBroadcast', () => {
  it('mails every active user and account owner once, in paced batches over continued-as-new runs', async () => {
    const { notified, notNotified } = await audience();
    const workflowId = workflowIds.policyChangeBroadcast(VERSION);
    const input = { version: VERSION, batchSize: 5, pauseBetweenBatches: '10 minutes', batchesPerRun: 2 } as const;

    const { result, firstRunId } = await t.withWorker(async () => {
      const handle = await t.env.client.workflow.start(policyChangeBroadcast, { taskQueue: t.taskQueue, workflowId, args: [input] });
      // Time only moves while a result is awaited: the first batch is done and the workflow waits out its pause.
      const progress = await waitFor('the first batch', async () => {
        const p = await handle.query(broadcastProgressQuery);
        return p.batches === 1 ? p : undefined;
      });
      expect(progress).toMatchObject({ total: 15, sent: 5, done: false });
      // Publishing the same version again finds this broadcast instead of starting a second one.
      const again = await t.env.client.workflow.start(policyChangeBroadcast, { taskQueue: t.taskQueue, workflowId, args: [input], workflowIdConflictPolicy: 'USE_EXISTING' });
      expect(again.firstExecutionRunId).toBe(handle.firstExecutionRunId);
      return { result: await handle.result(), firstRunId: handle.firstExecutionRunId };
    });

    // 12 active users in pages of 5 (5, 5, 2), then 3 owners: 4 batches, continued as new after the second.
    expect(result).toEqual({ version: VERSION, total: 15, sent: 15, alreadySent: 0, skipped: 0, batches: 4, runs: 2, done: true });
    for (const email of notified) expect((await mailTo(email)).map((m) => m.subject), email).toEqual([SUBJECT]);
    for (const email of notNotified) expect(await mailTo(email), email).toEqual([]);
    const [sample] = await mailTo(notified[0]!);
    expect(sample!.text).toContain('Location data is kept for 30 days instead of 90.');
    expect(sample!.text).toContain('takes effect on 2026-01-15');

    // Paced: three 10-minute pauses between the four batches, in workflow time; the first run ended by continuing as new.
    const first = await t.env.client.workflow.getHandle(workflowId, firstRunId).fetchHistory();
    expect(first.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    const timers = first.events!.filter((e) => e.timerStartedEventAttributes).map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds));
    expect(timers).toEqual([600, 600]);
    const last = await t.env.client.workflow.getHandle(workflowId).describe();
    const minutes = (last.closeTime!.getTime() - Number(first.events![0]!.eventTime!.seconds) * 1000) / 60_000;
    expect(minutes).toBeGreaterThanOrEqual(30);
    expect(minutes).toBeLessThan(31);

    // The ledger and the acknowledgement records hold IDs and times, one per recipient.
    expect(await t.models.Notification.countDocuments({ kind: 'policyChange', status: 'sent' })).toBe(15);
    expect(await t.models.PolicyAcknowledgement.countDocuments({ version: VERSION, notifiedAt: { $ne: null } })).toBe(15);
    expect(JSON.stringify(await t.models.PolicyAcknowledgement.find().lean())).not.toContain('@test.loro.example');

    // Even a second broadcast of the same version (forced past the reuse policy) mails no one again.
    const rerun = await t.withWorker(async () => {
      const handle = await t.env.client.workflow.start(policyChangeBroadcast, {
        taskQueue: t.taskQueue,
        workflowId,
        args: [{ ...input, batchSize: 50 }],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      });
      return handle.result();
    });
    expect(rerun).toMatchObject({ total: 15, sent: 15, alreadySent: 15, batches: 2 });
    for (const email of notified) expect(await mailTo(email), email).toHaveLength(1);
  });
});
