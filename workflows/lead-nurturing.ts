/**
 * Lead nurturing: one workflow per enrollment of a lead in a sequence version. It gets the version's structure
 * with its input (runs started before 2026-11-26 load it once), then walks its steps: mail at the
 * next moment inside the send window in the LEAD's time zone and at the account's send slot (the last check for
 * opt-out, bounce, erasure and legal holds runs in the sending activity itself), waits on durable timers,
 * branches on engagement signals, creates tasks for the lead's owner, and ends on a goal. Pause, resume and
 * skip-step are updates; the console reads the current step, the next send time in the lead's zone and a log of
 * what happened and why. Every NURTURING_STEPS_PER_RUN steps it continues as new, carrying its state.
 * Only IDs, the structure, the lead's zone and reasons enter the history. Enrollments write no audit entries:
 * they are the account's marketing, recorded in `enrollments`; what the audit log must show (an opt-out) is
 * recorded where it happens, as a consent change.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyLocalActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { SendRef } from '../activities/nurturing/lead-nurturing.ts';
import type {
  EngagementKind,
  NurturingCarry,
  NurturingInput,
  NurturingLogEntry,
  NurturingOutcome,
  NurturingPlan,
  NurturingState,
  NurturingStatus,
  PlanStep,
  SendResult,
  SequenceGoal,
} from '../contracts/nurturing.ts';
import { formatInZone, nextSendTime } from './send-window.ts';

/** Engagement with one of this enrollment's mails (pixel, click, reply or bounce webhook). */
export const engagementSignal = defineSignal<[{ kind: EngagementKind; stepId: string }]>('engagement');
/** The lead opted out of marketing (unsubscribe link, preference centre): no further marketing mail. */
export const optOutSignal = defineSignal('optOut');
/** A goal reached outside the mail (a meeting booked, the lead converted). */
export const goalReachedSignal = defineSignal<[{ goal: SequenceGoal }]>('goalReached');
export const pauseUpdate = defineUpdate<NurturingState, [{ by: string }]>('pause');
export const resumeUpdate = defineUpdate<NurturingState, [{ by: string }]>('resume');
/** Skips the step the enrollment is on (named, so a stale console cannot skip the wrong one). */
export const skipStepUpdate = defineUpdate<NurturingState, [{ by: string; stepId: string }]>('skipStep');
export const nurturingStateQuery = defineQuery<NurturingState>('nurturingState');

export const NURTURING_STEPS_PER_RUN = 50;
const LOG_LIMIT = 200;

// Every step's I/O is a short call to our own database and mail relay, so it runs as a local activity: its result
// is a marker in the workflow task that asked for it, with no activity task and no extra workflow task between
// steps. That is what lets 10,000 enrollments cost little more than as many no-op workflows (bench/nurturing.ts).
// Nothing here needs what only a regular activity gives: the send pacing is the per-account bucket, not a task
// queue's rate limit, and a worker that dies mid-send is noticed by the workflow task's timeout (10 s), after
// which another worker replays the step; the mail ledger's fencing keeps the dead attempt from mailing once the
// retry has claimed the step (activities/notifications/send-once.ts).
const acts = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const humanDuration = (ms: number) => {
  const units: [number, string][] = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'min'], [1000, 's']];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  return `${ms} ms`;
};

export async function leadNurturing(input: NurturingInput): Promise<NurturingOutcome> {
  const { accountId, leadId, sequenceId, version } = input;
  const stepsPerRun = input.stepsPerRun ?? NURTURING_STEPS_PER_RUN;
  const carried = input.carried;
  let plan: NurturingPlan | undefined = input.plan ?? carried?.plan;
  // Runs of the code before 2026-11-26 have no plan in their input (see NurturingInput.plan): they replay the order
  // of that code — the plan loaded by an activity, each send slot reserved by an activity before the send. Their
  // continue-as-new still carries no plan in the input; drop this branch once none of them runs.
  const startedBefore20261126 = input.plan === undefined;
  let index = carried?.index ?? 0;
  const visits: Record<string, number> = { ...carried?.visits };
  const engagement = [...(carried?.engagement ?? [])];
  const log: NurturingLogEntry[] = [...(carried?.log ?? [])];
  let paused = carried?.paused ?? false;
  let optedOut = carried?.optedOut ?? false;
  let stepsDone = carried?.stepsDone ?? 0;
  const runs = (carried?.runs ?? 0) + 1;
  let stepsThisRun = 0;
  let status: NurturingStatus = carried ? 'running' : 'starting';
  let nextSendAt: number | null = null;
  let skipRequested: string | null = null;
  const goalsSeen: SequenceGoal[] = [];
  let bounced = false;
  /** The deadline of the wait or branch the enrollment is in, kept across a pause. */
  let deadline = null as { index: number; at: number } | null;

  const note = (event: string, stepId?: string, reason?: string) => {
    log.push({ at: new Date().toISOString(), event, ...(stepId ? { stepId } : {}), ...(reason ? { reason } : {}) });
    if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
  };
  const current = () => (plan && index < plan.steps.length ? plan.steps[index]! : null);
  const state = (): NurturingState => {
    const step = current();
    const zone = plan?.timeZone ?? null;
    return {
      status,
      sequenceId,
      version,
      currentStep: step && !['completed', 'goal-reached', 'stopped'].includes(status) ? { id: step.id, type: step.type, index } : null,
      stepCount: plan?.steps.length ?? null,
      nextSendAt: nextSendAt !== null && zone ? { local: formatInZone(nextSendAt, zone), zone, utc: new Date(nextSendAt).toISOString() } : null,
      timeZone: zone,
      log: [...log],
      stepsDone,
      runs,
    };
  };
  const hasServiceMail = () => plan?.steps.some((s) => s.type === 'email' && s.category === 'service') ?? false;
  /** Why the enrollment must end now, or null. Pure: called from conditions. */
  const pendingEnd = (): NurturingOutcome | null => {
    if (!plan) return null;
    const goal = goalsSeen.find((g) => plan!.goals.includes(g));
    if (goal) return { outcome: 'goal-reached', goal };
    if (bounced) return { outcome: 'stopped', reason: 'a mail to the lead bounced' };
    if (optedOut && !hasServiceMail()) return { outcome: 'stopped', reason: 'the lead opted out of marketing' };
    return null;
  };
  const isOpen = () => !['completed', 'goal-reached', 'stopped'].includes(status);

  setHandler(nurturingStateQuery, state);
  setHandler(engagementSignal, ({ kind, stepId }) => {
    if (!engagement.some((e) => e.kind === kind && e.stepId === stepId)) engagement.push({ kind, stepId });
    note(kind, stepId);
    if (kind === 'replied') goalsSeen.push('replied');
    if (kind === 'bounced') bounced = true;
  });
  setHandler(goalReachedSignal, ({ goal }) => {
    note('goal-signalled', undefined, goal);
    goalsSeen.push(goal);
  });
  setHandler(optOutSignal, () => {
    if (optedOut) return;
    optedOut = true;
    note('opted-out', undefined, 'the lead opted out of marketing');
  });
  const refuse = (message: string) => {
    throw ApplicationFailure.create({ type: 'InvalidRequest', message });
  };
  const requireBy = (by: string) => (by ? undefined : refuse('who asks must be given'));
  setHandler(
    pauseUpdate,
    ({ by }) => {
      paused = true;
      status = 'paused';
      note('paused', current()?.id, `by ${by}`);
      return state();
    },
    {
      validator: ({ by }) => {
        requireBy(by);
        if (!isOpen()) refuse(`the enrollment is ${status}`);
        if (paused) refuse('the enrollment is already paused');
      },
    },
  );
  setHandler(
    resumeUpdate,
    ({ by }) => {
      paused = false;
      status = 'running';
      note('resumed', current()?.id, `by ${by}`);
      return state();
    },
    {
      validator: ({ by }) => {
        requireBy(by);
        if (!isOpen()) refuse(`the enrollment is ${status}`);
        if (!paused) refuse('the enrollment is not paused');
      },
    },
  );
  setHandler(
    skipStepUpdate,
    ({ by, stepId }) => {
      skipRequested = stepId;
      note('skip-requested', stepId, `by ${by}`);
      return state();
    },
    {
      validator: ({ by, stepId }) => {
        requireBy(by);
        if (!isOpen()) refuse(`the enrollment is ${status}`);
        const step = current();
        if (!step) refuse('the enrollment has no current step yet');
        if (step!.id !== stepId) refuse(`the current step is '${step!.id}', not '${stepId}'`);
      },
    },
  );

  const interrupted = () => pendingEnd() !== null || paused || (skipRequested !== null && skipRequested === current()?.id);
  /** Sleeps until `at` unless something needs the loop's attention first. */
  const waitUntil = async (at: number): Promise<boolean> => {
    for (;;) {
      if (interrupted()) return false;
      const left = at - Date.now();
      if (left <= 0) return true;
      await condition(interrupted, left);
    }
  };
  const engaged = (on: 'opened' | 'clicked' | 'replied', stepId: string) =>
    engagement.some((e) => e.stepId === stepId && (e.kind === on || (on === 'opened' && (e.kind === 'clicked' || e.kind === 'replied'))));
  const goto = (target: string) => plan!.steps.findIndex((s) => s.id === target);

  /** Sends at the account's send slot (per-account pacing): a slot still ahead is waited for on a timer. */
  const sendAtSlot = async (send: SendRef): Promise<Exclude<SendResult, { status: 'paced' }>> => {
    let result = await acts.sendNurturingEmail(send);
    while (result.status === 'paced') {
      await sleep(result.waitMs);
      result = await acts.sendNurturingEmail({ ...send, slotTaken: true });
    }
    return result;
  };

  const finish = async (outcome: NurturingOutcome): Promise<NurturingOutcome> => {
    status = outcome.outcome;
    nextSendAt = null;
    note(outcome.outcome, current()?.id, outcome.goal ? `goal ${outcome.goal}` : outcome.reason);
    await acts.finishEnrollment(outcome, { accountId, leadId, sequenceId, version });
    if (!allHandlersFinished()) await condition(allHandlersFinished);
    return outcome;
  };

  if (!plan) {
    try {
      plan = await acts.loadNurturingPlan({ accountId, leadId, sequenceId, version });
    } catch (err) {
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && (err.cause.type === 'LeadNotFound' || err.cause.type === 'SequenceVersionNotFound')) {
        return finish({ outcome: 'stopped', reason: err.cause.type === 'LeadNotFound' ? 'the lead was erased' : 'the sequence version does not exist' });
      }
      throw err;
    }
  }
  if (!carried) note('started', undefined, `sequence ${sequenceId} v${version}, lead's zone ${plan.timeZone}`);
  const { timeZone: zone, window } = plan;
  status = paused ? 'paused' : 'running';

  const advance = (to = index + 1) => {
    index = to;
    stepsDone++;
    stepsThisRun++;
    deadline = null;
    skipRequested = null;
  };

  for (;;) {
    const end = pendingEnd();
    if (end) return finish(end);
    if (paused) {
      status = 'paused';
      nextSendAt = null;
      await condition(() => !paused || pendingEnd() !== null);
      continue;
    }
    status = 'running';
    const step: PlanStep | null = current();
    if (!step) return finish({ outcome: 'completed' });
    if (stepsThisRun >= stepsPerRun) {
      await condition(allHandlersFinished);
      note('continued-as-new', step.id, `after ${stepsThisRun} steps in run ${runs}`);
      const carry: NurturingCarry = { plan, index, visits, engagement, log, paused, optedOut, stepsDone, runs };
      return continueAsNew<typeof leadNurturing>({ ...input, carried: carry });
    }
    if (skipRequested === step.id) {
      note('skipped', step.id, 'skipped on request');
      advance();
      continue;
    }

    switch (step.type) {
      case 'email': {
        if (step.category === 'marketing' && optedOut) {
          note('skipped', step.id, 'the lead opted out of marketing');
          advance();
          continue;
        }
        const at = nextSendTime(Date.now(), zone, window);
        nextSendAt = at;
        if (!(await waitUntil(at))) continue;
        const visit = (visits[step.id] ?? 0) + 1;
        visits[step.id] = visit;
        if (startedBefore20261126) {
          const delay = await acts.reserveSendSlot(accountId);
          if (delay > 0) await sleep(delay);
        }
        const result = await sendAtSlot({ accountId, leadId, sequenceId, version, stepId: step.id, visit, slotTaken: startedBefore20261126 });
        const sendingAt = Date.now();
        nextSendAt = null;
        if (result.status === 'sent') {
          note('sent', step.id, `${step.category} mail at ${formatInZone(sendingAt, zone)} (${zone})`);
        } else if (result.scope === 'marketing') {
          note('skipped', step.id, 'no marketing consent (opted out)');
        } else if (result.reason === 'converted' && plan.goals.includes('converted')) {
          goalsSeen.push('converted');
          continue;
        } else {
          const reasons: Record<string, string> = {
            bounced: 'a mail to the lead bounced',
            erased: 'the lead was erased',
            'legal-hold': 'a legal hold is on the lead',
            'no-address': 'the lead has no email address',
            converted: 'the lead converted',
          };
          return finish({ outcome: 'stopped', reason: reasons[result.reason] ?? result.reason });
        }
        advance();
        break;
      }
      case 'wait': {
        if (deadline?.index !== index) deadline = { index, at: step.durationMs === null ? nextSendTime(Date.now(), zone, window) : Date.now() + step.durationMs };
        if (!(await waitUntil(deadline.at))) continue;
        note('waited', step.id, step.durationMs === null ? `until the send window (${formatInZone(Date.now(), zone)})` : humanDuration(step.durationMs));
        advance();
        break;
      }
      case 'branch': {
        if (deadline?.index !== index) deadline = { index, at: Date.now() + step.withinMs };
        const stop = deadline.at;
        for (;;) {
          if (engaged(step.on, step.ofStep) || interrupted()) break;
          const left = stop - Date.now();
          if (left <= 0) break;
          await condition(() => engaged(step.on, step.ofStep) || interrupted(), left);
        }
        if (interrupted() && !engaged(step.on, step.ofStep)) continue;
        const yes = engaged(step.on, step.ofStep);
        const target = yes ? step.then : step.else;
        const to = target === null ? index + 1 : goto(target);
        note('branched', step.id, `${yes ? '' : 'no '}${step.on} of ${step.ofStep} within ${humanDuration(step.withinMs)} → ${target ?? 'next step'}`);
        advance(to);
        break;
      }
      case 'task': {
        const visit = (visits[step.id] ?? 0) + 1;
        visits[step.id] = visit;
        await acts.createSalesTask({ accountId, leadId, sequenceId, version, stepId: step.id, visit, dueInMs: step.dueInMs });
        note('task-created', step.id, step.dueInMs === null ? undefined : `due in ${humanDuration(step.dueInMs)}`);
        advance();
        break;
      }
    }
  }
}
