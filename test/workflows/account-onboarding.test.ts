/** Onboarding's waits (3 days to the reminder, 14 to lapse) on the time-skipping server, with real mail. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { accountOnboarding, onboardingStateQuery, ownerSignedInSignal } from '../../workflows/account-onboarding.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { createTimeSkippingFixture, type TimeSkippingFixture } from '../fixtures/time-skipping.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';

let t: TimeSkippingFixture;
beforeAll(async () => {
  t = await createTimeSkippingFixture();
});
afterAll(() => t?.close());

async function newAccount() {
  const accountId = `acc_${randomBytes(16).toString('hex')}`;
  const email = uniqueEmail('onboard');
  await t.models.Account.create({ _id: accountId, name: 'Tokyo Plumbing', owner: { name: 'Haruki Owner', email } });
  return { accountId, email };
}

const DAY = 86_400_000;

describe('accountOnboarding', () => {
  it('reminds once after 3 days without a sign-in, and lapses after 14', async () => {
    const { accountId, email } = await newAccount();
    const workflowId = workflowIds.accountOnboarding(accountId);
    const outcome = await t.withWorker(async () => {
      const handle = await t.env.client.workflow.start(accountOnboarding, { taskQueue: t.taskQueue, workflowId, args: [{ accountId }] });
      await waitFor('the welcome step', async () => (await handle.query(onboardingStateQuery)) === 'welcomed');
      // result() lets the server skip time: to the reminder on day 3, then to the lapse on day 14.
      return handle.result();
    });
    expect(outcome).toBe('lapsed');
    const subjects = (await mailTo(email)).map((m) => m.subject).sort();
    expect(subjects).toEqual(['Welcome to LORO CRM, Tokyo Plumbing', 'Your LORO CRM account Tokyo Plumbing is waiting for you']);

    // The reminder was scheduled 3 days (workflow time) after the start, the end 14 days after.
    const { events } = await t.env.client.workflow.getHandle(workflowId).fetchHistory();
    const started = Number(events![0]!.eventTime!.seconds) * 1000;
    const reminder = events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendActivationReminder')!;
    const last = events!.at(-1)!;
    expect((Number(reminder.eventTime!.seconds) * 1000 - started) / DAY).toBeCloseTo(3, 1);
    expect((Number(last.eventTime!.seconds) * 1000 - started) / DAY).toBeCloseTo(14, 1);
    expect((await t.models.Account.findById(accountId).lean())?.onboarding?.status).toBe('lapsed');
    // Each milestone is in the audit chain once, by the workflow, naming the account by ID only.
    const milestones = await t.models.AuditEntry.find({ 'target.id': accountId }).sort({ _id: 1 }).lean();
    expect(milestones.map((m) => [m.action, m.actor?.kind, m.actor?.id])).toEqual([
      ['workflow.onboarding.welcomed', 'system', workflowId],
      ['workflow.onboarding.reminded', 'system', workflowId],
      ['workflow.onboarding.lapsed', 'system', workflowId],
    ]);
    expect(JSON.stringify(milestones)).not.toContain(email);
    expect(await createAuditLog(t.models.AuditEntry).verify()).toMatchObject({ ok: true });
  });

  it('completes without a reminder when the owner signs in on day 2', async () => {
    const { accountId, email } = await newAccount();
    const outcome = await t.withWorker(async () => {
      const handle = await t.env.client.workflow.start(accountOnboarding, {
        taskQueue: t.taskQueue,
        workflowId: workflowIds.accountOnboarding(accountId),
        args: [{ accountId }],
      });
      await waitFor('the welcome step', async () => (await handle.query(onboardingStateQuery)) === 'welcomed');
      await t.env.sleep('2 days');
      await handle.signal(ownerSignedInSignal);
      return handle.result();
    });
    expect(outcome).toBe('completed');
    expect((await mailTo(email)).map((m) => m.subject)).toEqual(['Welcome to LORO CRM, Tokyo Plumbing']);
    expect((await t.models.Account.findById(accountId).lean())?.onboarding?.status).toBe('completed');
  });

  it('fails without retrying when the account does not exist', async () => {
    const accountId = `acc_${randomBytes(16).toString('hex')}`;
    const err = await t.withWorker(async () => {
      const handle = await t.env.client.workflow.start(accountOnboarding, {
        taskQueue: t.taskQueue,
        workflowId: workflowIds.accountOnboarding(accountId),
        args: [{ accountId }],
        workflowExecutionTimeout: '1 minute',
      });
      return handle.result().catch((e: Error) => e);
    });
    expect(String((err as Error & { cause?: { cause?: Error } }).cause?.cause?.message)).toContain(`account ${accountId} does not exist`);
  });
});
