/**
 * Lead nurturing on the time-skipping server, with real mail, consents and database: send windows in the lead's
 * own zone (Tokyo and New York on one sequence, business days only, holidays skipped, continue-as-new on the way),
 * an opt-out between two mails, a reply that ends the enrollment, and a duplicate enrollment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { createTimeSkippingFixture, type TimeSkippingFixture } from '../fixtures/time-skipping.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { createConsents } from '../../lib/consents.ts';
import { enrollLead } from '../../lib/enrollments.ts';
import { validateSequenceDefinition } from '../../lib/sequences.ts';
import { sequenceVersionId } from '../../models/sequence.ts';
import { engagementSignal, nurturingStateQuery, optOutSignal, type leadNurturing } from '../../workflows/lead-nurturing.ts';
import { localDate, localWeekday } from '../../workflows/send-window.ts';
import { localActivityType } from '../fixtures/history.ts';
import { ALWAYS_OPEN } from '../fixtures/sequences.ts';

let t: TimeSkippingFixture;
beforeAll(async () => {
  t = await createTimeSkippingFixture();
});
afterAll(() => t?.close());

const hex = () => randomBytes(16).toString('hex');

async function newAccount() {
  const accountId = `acc_${hex()}`;
  await t.models.Account.create({ _id: accountId, name: 'Sakura Solar', owner: { name: 'Olive Owner', email: uniqueEmail('owner') } });
  return accountId;
}

async function newLead(accountId: string, timeZone: string, label: string) {
  const leadId = `led_${hex()}`;
  const email = uniqueEmail(label);
  await t.models.Lead.create({ _id: leadId, accountId, name: `Kenji ${label}`, email, company: 'Prospect KK', timeZone });
  await createConsents(t.models.Consent).record({ accountId, subjectType: 'lead', subjectId: leadId, category: 'marketing', granted: true, policyVersion: '1', source: 'api' });
  return { leadId, email };
}

async function newSequence(accountId: string, definition: unknown) {
  const checked = validateSequenceDefinition(definition);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  const sequenceId = `seq_${hex()}`;
  await t.models.SequenceVersion.create({ _id: sequenceVersionId(sequenceId, 1), sequenceId, accountId, version: 1, definition: checked.definition });
  await t.models.Sequence.create({ _id: sequenceId, accountId, name: checked.definition.name, latestVersion: 1 });
  return sequenceId;
}

const enroll = (sequenceId: string, leadId: string, stepsPerRun?: number) =>
  enrollLead(t.models, t.env.client, { sequenceId, leadId }, { taskQueue: t.taskQueue, searchAttributes: false, stepsPerRun });
const handleOf = (workflowId: string, firstRunId?: string) => t.env.client.workflow.getHandle<typeof leadNurturing>(workflowId, firstRunId, firstRunId ? { firstExecutionRunId: firstRunId } : undefined);

/** Workflow times at which each mail was sent (its local activity's marker), following continue-as-new through every run. */
async function sendTimes(workflowId: string, firstRunId: string): Promise<number[]> {
  const times: number[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await t.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runId = undefined;
    for (const e of history.events ?? []) {
      if (localActivityType(e) === 'sendNurturingEmail') times.push(Number(e.eventTime!.seconds) * 1000);
      const next: string | null | undefined = e.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      if (next) runId = next;
    }
  }
  return times;
}

const localHour = (ms: number, zone: string) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', hourCycle: 'h23' }).format(new Date(ms)));
const utcDate = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

const TWO_MAILS = {
  name: 'Two mails',
  sendWindow: ALWAYS_OPEN,
  steps: [
    { id: 'intro', type: 'email', category: 'marketing', subject: 'Hello {{lead.firstName}}', body: 'Solar for {{lead.company}}: https://sakura.example/offer' },
    { id: 'pause', type: 'wait', duration: 'P2D' },
    { id: 'follow-up', type: 'email', category: 'marketing', subject: 'Still interested, {{lead.firstName}}?', body: 'Regards, {{sender.name}}' },
  ],
};

describe('leadNurturing', () => {
  it('sends in each lead’s own window: Tokyo and New York, business days only, holidays skipped', async () => {
    const accountId = await newAccount();
    const holidays = [utcDate(2), utcDate(3)];
    const sequenceId = await newSequence(accountId, {
      name: 'Office hours',
      sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00', holidays },
      steps: [
        { id: 'intro', type: 'email', category: 'marketing', subject: 'Hello {{lead.firstName}}', body: 'Hi from {{account.name}}' },
        { id: 'day', type: 'wait', duration: 'P1D' },
        { id: 'second', type: 'email', category: 'marketing', subject: 'Second', body: 'Again' },
        { id: 'evening', type: 'wait', duration: 'PT7H' },
        { id: 'third', type: 'email', category: 'service', subject: 'Third', body: 'Your appointment' },
        { id: 'window', type: 'wait', duration: 'next-send-window' },
        { id: 'call', type: 'task', title: 'Call {{lead.firstName}}', dueIn: 'P1D' },
      ],
    });
    const tokyo = await newLead(accountId, 'Asia/Tokyo', 'tokyo');
    const newYork = await newLead(accountId, 'America/New_York', 'nyc');
    const [a, b] = [await enroll(sequenceId, tokyo.leadId, 2), await enroll(sequenceId, newYork.leadId, 2)];

    // One result at a time: the time-skipping server skips time while a result is awaited. Queries need the worker.
    const { outcomes, states } = await t.withWorker(async () => {
      const outcomes = [await handleOf(a.workflowId, a.runId).result(), await handleOf(b.workflowId, b.runId).result()];
      return { outcomes, states: [await handleOf(a.workflowId).query(nurturingStateQuery), await handleOf(b.workflowId).query(nurturingStateQuery)] };
    });
    expect(outcomes).toEqual([{ outcome: 'completed' }, { outcome: 'completed' }]);

    for (const [enrollment, zone] of [[a, 'Asia/Tokyo'], [b, 'America/New_York']] as const) {
      const times = await sendTimes(enrollment.workflowId, enrollment.runId);
      expect(times).toHaveLength(3);
      for (const ms of times) {
        expect(['mon', 'tue', 'wed', 'thu', 'fri'], `${new Date(ms).toISOString()} in ${zone}`).toContain(localWeekday(ms, zone));
        expect(holidays).not.toContain(localDate(ms, zone));
        expect(localHour(ms, zone)).toBeGreaterThanOrEqual(9);
        expect(localHour(ms, zone)).toBeLessThan(17);
      }
      // The wait of a day holds: the second mail is at least a day after the first.
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(86_400_000);
      const state = states[enrollment === a ? 0 : 1]!;
      expect(state).toMatchObject({ status: 'completed', timeZone: zone, stepsDone: 7 });
      expect(state.runs).toBeGreaterThan(1); // continued as new every 2 steps, state carried
      expect(state.log.filter((e) => e.event === 'sent').map((e) => e.stepId)).toEqual(['intro', 'second', 'third']);
      expect(await mailTo(enrollment.leadId === tokyo.leadId ? tokyo.email : newYork.email)).toHaveLength(3);
      expect(await t.models.SalesTask.countDocuments({ enrollmentId: enrollment.workflowId })).toBe(1);
    }
    // Same sequence, same start: the mails go at different instants, each lead's own office hours.
    const [ta, tb] = [await sendTimes(a.workflowId, a.runId), await sendTimes(b.workflowId, b.runId)];
    expect(ta[1]).not.toBe(tb[1]);
    const sentLog = states[0]!.log.find((e) => e.event === 'sent');
    expect(sentLog?.reason).toMatch(/\+09:00 \(Asia\/Tokyo\)$/);
    // The mail carries RFC 8058 one-click unsubscribe headers; service mail too.
    const mail = (await mailTo(tokyo.email))[0]!;
    expect(mail.headers['list-unsubscribe']!.replace(/\s+/g, ' ')).toMatch(/^<https?:\/\/[^>]+\/api\/unsubscribe\/[^>]+>, <mailto:unsubscribe@/);
    expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    // No personal data in the history.
    const { events } = await handleOf(a.workflowId).fetchHistory();
    expect(JSON.stringify(events)).not.toContain('Kenji');
  });

  it('an opt-out between two mails: the second is never sent', async () => {
    const accountId = await newAccount();
    const sequenceId = await newSequence(accountId, TWO_MAILS);
    const lead = await newLead(accountId, 'Europe/Berlin', 'optout');
    const enrollment = await enroll(sequenceId, lead.leadId);
    const handle = handleOf(enrollment.workflowId, enrollment.runId);
    const outcome = await t.withWorker(async () => {
      await waitFor('the first mail', async () => (await mailTo(lead.email)).length === 1);
      await createConsents(t.models.Consent).record({ accountId, subjectType: 'lead', subjectId: lead.leadId, category: 'marketing', granted: false, policyVersion: '1', source: 'unsubscribe-link' });
      await handle.signal(optOutSignal);
      return handle.result();
    });
    expect(outcome).toEqual({ outcome: 'stopped', reason: 'the lead opted out of marketing' });
    await t.env.sleep(3 * 86_400_000);
    expect((await mailTo(lead.email)).map((m) => m.subject)).toEqual(['Hello Kenji']);
    expect(await sendTimes(enrollment.workflowId, enrollment.runId)).toHaveLength(1);
    expect((await t.models.Enrollment.findById(enrollment.workflowId).lean())?.status).toBe('stopped');
  });

  it('a revoked consent without a signal: the send’s own check suppresses the marketing mail', async () => {
    const accountId = await newAccount();
    const sequenceId = await newSequence(accountId, TWO_MAILS);
    const lead = await newLead(accountId, 'UTC', 'revoked');
    const enrollment = await enroll(sequenceId, lead.leadId);
    const handle = handleOf(enrollment.workflowId, enrollment.runId);
    const outcome = await t.withWorker(async () => {
      await waitFor('the first mail', async () => (await mailTo(lead.email)).length === 1);
      await createConsents(t.models.Consent).record({ accountId, subjectType: 'lead', subjectId: lead.leadId, category: 'marketing', granted: false, policyVersion: '1', source: 'preference-centre' });
      return { result: await handle.result(), state: await handle.query(nurturingStateQuery) };
    });
    expect(outcome.result).toEqual({ outcome: 'completed' });
    expect(await mailTo(lead.email)).toHaveLength(1);
    const { log } = outcome.state;
    expect(log).toContainEqual(expect.objectContaining({ event: 'skipped', stepId: 'follow-up', reason: 'no marketing consent (opted out)' }));
  });

  it('a reply ends the enrollment; enrolling again answers with the running one', async () => {
    const accountId = await newAccount();
    const sequenceId = await newSequence(accountId, TWO_MAILS);
    const lead = await newLead(accountId, 'America/Sao_Paulo', 'reply');
    const enrollment = await enroll(sequenceId, lead.leadId);
    const handle: WorkflowHandle<typeof leadNurturing> = handleOf(enrollment.workflowId, enrollment.runId);
    const outcome = await t.withWorker(async () => {
      await waitFor('the first mail', async () => (await mailTo(lead.email)).length === 1);
      const again = await enroll(sequenceId, lead.leadId);
      expect(again).toEqual({ ...enrollment, existing: true });
      await handle.signal(engagementSignal, { kind: 'replied', stepId: 'intro' });
      return { result: await handle.result(), state: await handle.query(nurturingStateQuery) };
    });
    expect(outcome.result).toEqual({ outcome: 'goal-reached', goal: 'replied' });
    await t.env.sleep(3 * 86_400_000);
    expect(await mailTo(lead.email)).toHaveLength(1);
    const { log, status } = outcome.state;
    expect(status).toBe('goal-reached');
    expect(log.at(-1)).toMatchObject({ event: 'goal-reached', reason: 'goal replied' });
  });

  it('branches on an open within its window: an opened intro skips the nudge, an unopened one gets it', async () => {
    const accountId = await newAccount();
    const sequenceId = await newSequence(accountId, {
      name: 'Branching',
      sendWindow: ALWAYS_OPEN,
      steps: [
        { id: 'intro', type: 'email', category: 'marketing', subject: 'Hello {{lead.firstName}}', body: 'Our offer: https://sakura.example/offer' },
        { id: 'opened-it', type: 'branch', on: 'opened', within: 'P2D', then: 'thanks' },
        { id: 'nudge', type: 'email', category: 'marketing', subject: 'Did you see it?', body: 'Just checking.' },
        { id: 'thanks', type: 'email', category: 'marketing', subject: 'Thanks, {{lead.firstName}}', body: 'Regards' },
      ],
    });
    const opener = await newLead(accountId, 'Asia/Tokyo', 'opener');
    const ignorer = await newLead(accountId, 'Asia/Tokyo', 'ignorer');
    const a = await enroll(sequenceId, opener.leadId);
    const b = await enroll(sequenceId, ignorer.leadId);
    const [stateA, stateB] = await t.withWorker(async () => {
      await waitFor('both intros', async () => (await mailTo(opener.email)).length === 1 && (await mailTo(ignorer.email)).length === 1);
      await handleOf(a.workflowId, a.runId).signal(engagementSignal, { kind: 'opened', stepId: 'intro' });
      // One result at a time: the time-skipping server skips time while a result is awaited.
      const results = [await handleOf(a.workflowId, a.runId).result(), await handleOf(b.workflowId, b.runId).result()];
      expect(results).toEqual([{ outcome: 'completed' }, { outcome: 'completed' }]);
      return Promise.all([handleOf(a.workflowId, a.runId).query(nurturingStateQuery), handleOf(b.workflowId, b.runId).query(nurturingStateQuery)]);
    });
    const subjects = async (email: string) => (await mailTo(email)).map((m) => m.subject).sort();
    expect(await subjects(opener.email)).toEqual(['Hello Kenji', 'Thanks, Kenji']);
    expect(await subjects(ignorer.email)).toEqual(['Did you see it?', 'Hello Kenji', 'Thanks, Kenji']);
    // Why each went where it went, as the console shows it.
    expect(stateA.log).toContainEqual(expect.objectContaining({ event: 'branched', stepId: 'opened-it', reason: 'opened of intro within 2 d → thanks' }));
    expect(stateB.log).toContainEqual(expect.objectContaining({ event: 'branched', stepId: 'opened-it', reason: 'no opened of intro within 2 d → next step' }));
  });
});
