/**
 * Tells a running planning day about a change (a job added or cancelled, a technician dropping out), so it
 * re-plans what is left. No planning workflow running for that day (not started yet, or closed) is not an error:
 * the next plan reads the jobs and technicians anyway.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { jobAddedSignal, jobCancelledSignal, technicianUnavailableSignal } from '../../workflows/daily-route-planning.ts';

interface PlanningDayKey {
  accountId: string;
  region: string;
  date: string;
}

/** Sends one signal to the day's workflow; false when none is running. */
async function signalDay(temporal: Client, day: PlanningDayKey, send: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<void>): Promise<boolean> {
  try {
    await send(temporal.workflow.getHandle(workflowIds.dailyRoutePlanning(day.accountId, day.region, day.date)));
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

export function signalPlanningDay(temporal: Client, job: PlanningDayKey & { _id: string }, change: 'added' | 'cancelled'): Promise<boolean> {
  return signalDay(temporal, job, (handle) => handle.signal(change === 'added' ? jobAddedSignal : jobCancelledSignal, { jobId: job._id }));
}

/** The technician's unavailability is stored on the technician first: the signal only says "re-plan now". */
export function signalTechnicianUnavailable(temporal: Client, day: PlanningDayKey, technicianId: string): Promise<boolean> {
  return signalDay(temporal, day, (handle) => handle.signal(technicianUnavailableSignal, { technicianId }));
}
