/**
 * Enrolling a lead in a sequence: one workflow per lead and sequence (the ID is the business key, started with
 * USE_EXISTING), its record in `enrollments`, and the opt-out fan-out to every running enrollment of a lead.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Models } from '../models/index.ts';
import type { Logger } from './logger.ts';
import { workflowIds } from '../contracts/workflow-ids.ts';
import { accountIdKey, leadIdKey, sequenceIdKey } from './search-attributes.ts';
import { isDuplicateKeyError } from './mongo.ts';
import { goalReachedSignal, optOutSignal, type leadNurturing } from '../workflows/lead-nurturing.ts';
import type { leadAutoEnrollment } from '../workflows/lead-auto-enrollment.ts';
import type { AutoEnrollmentScope, SequenceGoal } from '../contracts/nurturing.ts';
import { autoSequences } from './leads/entry-criteria.ts';
import { savedVersion } from './sequence-versions.ts';
import { planOf } from './sequences.ts';

export interface Enrollment {
  workflowId: string;
  runId: string;
  accountId: string;
  leadId: string;
  sequenceId: string;
  version: number;
  /** The lead was already enrolled: this is the running enrollment, with the version it started with. */
  existing: boolean;
}

export class EnrollmentRefusedError extends Error {
  override name = 'EnrollmentRefusedError';
  constructor(
    readonly reason: 'no-sequence' | 'no-lead',
    message: string,
  ) {
    super(message);
  }
}

export interface EnrollOptions {
  taskQueue: string;
  /** Search attributes need a server that has them registered (the dev server, production); the time-skipping one has not. */
  searchAttributes?: boolean;
  enrolledBy?: string;
  stepsPerRun?: number;
}

export async function enrollLead(models: Models, temporal: Client, ref: { sequenceId: string; leadId: string }, opts: EnrollOptions): Promise<Enrollment> {
  const sequence = await models.Sequence.findById(ref.sequenceId).lean();
  if (!sequence) throw new EnrollmentRefusedError('no-sequence', `no sequence ${ref.sequenceId}`);
  const { accountId } = sequence;
  const version = sequence.latestVersion;
  const [lead, saved] = await Promise.all([models.Lead.findById(ref.leadId, { accountId: 1, timeZone: 1 }).lean(), savedVersion(models, ref.sequenceId, version)]);
  if (!lead || lead.accountId !== accountId) throw new EnrollmentRefusedError('no-lead', `no lead ${ref.leadId} in the sequence's account`);
  if (saved?.accountId !== accountId) throw new EnrollmentRefusedError('no-sequence', `sequence ${ref.sequenceId} has no version ${version}`);
  const workflowId = workflowIds.leadNurturing(accountId, ref.leadId, ref.sequenceId);
  // The plan from what was just read: the workflow needs no activity (and no read of the lead) to start.
  const plan = planOf(saved.definition, lead.timeZone);
  const handle = await temporal.workflow.start<typeof leadNurturing>('leadNurturing', {
    taskQueue: opts.taskQueue,
    workflowId,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ accountId, leadId: ref.leadId, sequenceId: ref.sequenceId, version, plan, ...(opts.stepsPerRun ? { stepsPerRun: opts.stepsPerRun } : {}) }],
    ...(opts.searchAttributes === false
      ? {}
      : { typedSearchAttributes: [{ key: accountIdKey, value: accountId }, { key: leadIdKey, value: ref.leadId }, { key: sequenceIdKey, value: ref.sequenceId }] }),
  });
  const runId = handle.firstExecutionRunId;
  const record = { accountId, leadId: ref.leadId, sequenceId: ref.sequenceId, version, runId, status: 'running' as const, enrolledBy: opts.enrolledBy };
  try {
    await models.Enrollment.create({ _id: workflowId, ...record });
    return { workflowId, runId, accountId, leadId: ref.leadId, sequenceId: ref.sequenceId, version, existing: false };
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
  const earlier = await models.Enrollment.findById(workflowId).lean();
  if (earlier?.runId === runId) {
    return { workflowId, runId, accountId, leadId: ref.leadId, sequenceId: ref.sequenceId, version: earlier.version, existing: true };
  }
  // A new run after an earlier enrollment ended: the record follows the new one.
  await models.Enrollment.updateOne({ _id: workflowId }, { $set: record, $unset: { outcome: 1, endedAt: 1 } });
  return { workflowId, runId, accountId, leadId: ref.leadId, sequenceId: ref.sequenceId, version, existing: false };
}

/**
 * Starts the automatic enrollment of new leads (one created lead, or one CSV import) when the account has a
 * sequence with entry criteria; returns its workflow ID, or null when no sequence takes new leads. Starting twice
 * finds the first (the ID is the lead's or the import's).
 */
export async function startAutoEnrollment(models: Models, temporal: Client, scope: AutoEnrollmentScope, opts: { taskQueue: string }): Promise<string | null> {
  if (!(await autoSequences(models, scope.accountId)).length) return null;
  const workflowId = workflowIds.leadAutoEnrollment(scope.accountId, 'leadId' in scope ? scope.leadId : scope.importId);
  await temporal.workflow.start<typeof leadAutoEnrollment>('leadAutoEnrollment', {
    taskQueue: opts.taskQueue,
    workflowId,
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ scope }],
    typedSearchAttributes: [{ key: accountIdKey, value: scope.accountId }, ...('leadId' in scope ? [{ key: leadIdKey, value: scope.leadId }] : [])],
  });
  return workflowId;
}

/** Signals every running enrollment of the lead; returns their workflow IDs. */
async function signalRunning(models: Models, temporal: Client, accountId: string, leadId: string, send: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<void>, logger?: Logger): Promise<string[]> {
  const running = await models.Enrollment.find({ accountId, leadId, status: 'running' }, { _id: 1 }).lean();
  const signalled: string[] = [];
  await Promise.all(
    running.map(async ({ _id }) => {
      try {
        await send(temporal.workflow.getHandle(_id));
        signalled.push(_id);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) logger?.warn({ err, workflowId: _id }, 'could not signal a nurturing enrollment');
      }
    }),
  );
  return signalled;
}

/** Signals the opt-out to every running enrollment of the lead (the send re-checks consent anyway). */
export const signalOptOut = (models: Models, temporal: Client, accountId: string, leadId: string, logger?: Logger) =>
  signalRunning(models, temporal, accountId, leadId, (h) => h.signal(optOutSignal), logger);

/** Tells every running enrollment of the lead that a goal was reached (each ends if the goal is one of its own). */
export const signalGoal = (models: Models, temporal: Client, accountId: string, leadId: string, goal: SequenceGoal, logger?: Logger) =>
  signalRunning(models, temporal, accountId, leadId, (h) => h.signal(goalReachedSignal, { goal }), logger);
