/**
 * Tells a running planning day about a job change (added, cancelled), so it re-plans what is left. No planning
 * workflow running for that day (not started yet, or closed) is not an error: the next plan reads the jobs anyway.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { jobAddedSignal, jobCancelledSignal } from '../../workflows/daily-route-planning.ts';

export async function signalPlanningDay(temporal: Client, job: { _id: string; accountId: string; region: string; date: string }, change: 'added' | 'cancelled'): Promise<boolean> {
  const handle = temporal.workflow.getHandle(workflowIds.dailyRoutePlanning(job.accountId, job.region, job.date));
  try {
    if (change === 'added') await handle.signal(jobAddedSignal, { jobId: job._id });
    else await handle.signal(jobCancelledSignal, { jobId: job._id });
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
