/**
 * One region's route plan for one day: plan in the morning, wait for a dispatcher's approval until the cutoff
 * (then publish on its own), tell the technicians; through the day re-plan the remaining stops when a job is
 * added or cancelled or a technician drops out (done and in-progress stops stay where they are), publishing and
 * telling at once; at the end of the day close with planned-versus-actual figures. Locations never enter the
 * history: the activities load, solve and store (activities/field/planning.ts); the workflow keeps IDs and counts.
 */
import { condition, defineQuery, defineSignal, defineUpdate, ApplicationFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { DayFigures, PlanSummary } from '../activities/field/planning.ts';

export type { DayFigures };

export interface DailyRoutePlanningInput {
  accountId: string;
  region: string;
  /** The local day, YYYY-MM-DD. */
  date: string;
  /** Instants computed by the starter from the region's zone: approval cutoff and end of the working day. */
  approvalCutoffAt: string;
  dayEndAt: string;
  /** The solver's time limit per plan (ms). */
  timeLimitMs?: number;
}

export type PlanningPhase = 'planning' | 'awaiting-approval' | 'published' | 'replanning' | 'closed';

export interface PlanningState {
  phase: PlanningPhase;
  version: number;
  plan: PlanSummary | null;
  approvedBy: string | null;
  /** Changes received and not yet planned in. */
  pendingChanges: number;
  /** Why each version was made. */
  log: { version: number; reason: string; at: string }[];
  dayFigures: DayFigures | null;
}

export const jobAddedSignal = defineSignal<[{ jobId: string }]>('jobAdded');
export const jobCancelledSignal = defineSignal<[{ jobId: string }]>('jobCancelled');
export const technicianUnavailableSignal = defineSignal<[{ technicianId: string }]>('technicianUnavailable');
/** A dispatcher approves the draft they looked at (its version), before the cutoff. */
export const approvePlanUpdate = defineUpdate<{ version: number }, [{ by: string; version: number }]>('approvePlan');
/** A dispatcher asks for a fresh plan now (e.g. after editing jobs). */
export const replanUpdate = defineUpdate<{ version: number }, [{ by: string }]>('replan');
export const planningStateQuery = defineQuery<PlanningState>('planningState');

/** Changes arriving together (a dispatcher adding several jobs) are planned in together. */
const SETTLE = '1 minute';

const { planRoutes } = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '2 minutes', retry: { maximumInterval: '1 minute' } });
const { publishPlan, notifyTechnicians, closePlanningDay, recordMilestone } = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: { maximumInterval: '1 minute' } });

export async function dailyRoutePlanning(input: DailyRoutePlanningInput): Promise<DayFigures> {
  const { accountId, region, date } = input;
  const target = { type: 'route-plan', id: `${region}/${date}` };
  let phase: PlanningPhase = 'planning';
  let version = 0;
  let plan: PlanSummary | null = null;
  let approvedBy: string | null = null;
  let replanRequestedBy: string | null = null;
  const unavailable = new Set<string>();
  const changes: string[] = [];
  const log: PlanningState['log'] = [];
  let dayFigures: DayFigures | null = null;

  setHandler(planningStateQuery, () => ({ phase, version, plan, approvedBy, pendingChanges: changes.length, log, dayFigures }));
  setHandler(jobAddedSignal, ({ jobId }) => void changes.push(`job ${jobId} added`));
  setHandler(jobCancelledSignal, ({ jobId }) => void changes.push(`job ${jobId} cancelled`));
  setHandler(technicianUnavailableSignal, ({ technicianId }) => {
    unavailable.add(technicianId);
    changes.push(`technician ${technicianId} unavailable`);
  });
  setHandler(
    approvePlanUpdate,
    ({ by }) => {
      approvedBy = by;
      return Promise.resolve({ version });
    },
    {
      validator: ({ by, version: seen }) => {
        if (!by) throw ApplicationFailure.create({ type: 'InvalidRequest', message: 'approval: who approves must be given' });
        if (phase !== 'awaiting-approval') throw ApplicationFailure.create({ type: 'NotAwaitingApproval', message: `the plan is ${phase}, not awaiting approval` });
        if (seen !== version) throw ApplicationFailure.create({ type: 'StaleVersion', message: `version ${seen} was replaced by version ${version}; review it first` });
      },
    },
  );
  setHandler(
    replanUpdate,
    async ({ by }) => {
      replanRequestedBy = by;
      await condition(() => replanRequestedBy === null);
      return { version };
    },
    {
      validator: ({ by }) => {
        if (!by) throw ApplicationFailure.create({ type: 'InvalidRequest', message: 're-plan: who asks must be given' });
        if (phase === 'closed') throw ApplicationFailure.create({ type: 'DayClosed', message: 'the day is closed' });
      },
    },
  );

  /** Why a new version is made now: who asked and what changed (the changes are taken in). */
  const whyNow = () => [replanRequestedBy ? `re-plan asked by ${replanRequestedBy}` : '', ...changes.splice(0)].filter(Boolean).join('; ');
  const makePlan = async (reason: string, notBefore?: string) => {
    version++;
    plan = await planRoutes(accountId, region, date, version, { notBefore, unavailableTechnicianIds: [...unavailable], timeLimitMs: input.timeLimitMs });
    log.push({ version, reason, at: new Date().toISOString() });
  };

  // The morning plan, held for approval until the cutoff; re-planned on request or changes meanwhile.
  await makePlan('morning plan');
  await recordMilestone(target, 'route-planning.drafted');
  const cutoff = Date.parse(input.approvalCutoffAt);
  for (;;) {
    phase = 'awaiting-approval';
    const woke = await condition(() => approvedBy !== null || replanRequestedBy !== null || changes.length > 0, Math.max(cutoff - Date.now(), 1));
    if (!woke || approvedBy !== null) break;
    phase = 'replanning';
    await condition(() => replanRequestedBy !== null, SETTLE); // let changes settle, unless someone asks now
    await makePlan(whyNow());
    replanRequestedBy = null;
  }
  await publishPlan(plan!.planId, { approvedBy: approvedBy ?? undefined });
  phase = 'published';
  await recordMilestone(target, approvedBy ? 'route-planning.approved' : 'route-planning.published-at-cutoff');
  await notifyTechnicians(plan!.planId);

  // Through the day: every change re-plans what is left, keeping done and in-progress stops, published at once.
  const dayEnd = Date.parse(input.dayEndAt);
  while (await condition(() => changes.length > 0 || replanRequestedBy !== null, Math.max(dayEnd - Date.now(), 1))) {
    phase = 'replanning';
    await condition(() => replanRequestedBy !== null, SETTLE); // let changes settle, unless someone asks now
    await makePlan(whyNow(), new Date().toISOString());
    await publishPlan(plan!.planId);
    await notifyTechnicians(plan!.planId);
    replanRequestedBy = null;
    phase = 'published';
  }

  dayFigures = await closePlanningDay(plan!.planId);
  phase = 'closed';
  await recordMilestone(target, 'route-planning.closed');
  return dayFigures;
}
