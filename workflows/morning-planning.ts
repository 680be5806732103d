/**
 * The hourly morning trigger's workflow: starts the DailyRoutePlanning of every region whose local planning time
 * has come. Each day is its own workflow (ID from account, region and date), abandoned by this one so it lives
 * through the day; a day already started (by the console, or an earlier firing) is left alone.
 */
import { ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.ts';
import { workflowIds } from '../contracts/workflow-ids.ts';
import { accountIdKey, planDateKey, regionKey } from '../lib/search-attributes.ts';
import { dailyRoutePlanning } from './daily-route-planning.ts';

const { planningDaysDue } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });

export async function morningPlanning(firedAt: string): Promise<{ started: string[]; alreadyRunning: string[] }> {
  const started: string[] = [];
  const alreadyRunning: string[] = [];
  for (const day of await planningDaysDue(firedAt)) {
    const workflowId = workflowIds.dailyRoutePlanning(day.accountId, day.region, day.date);
    try {
      await startChild(dailyRoutePlanning, {
        workflowId,
        args: [{ accountId: day.accountId, region: day.region, date: day.date, approvalCutoffAt: day.approvalCutoffAt, dayEndAt: day.dayEndAt }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: accountIdKey, value: day.accountId },
          { key: regionKey, value: day.region },
          { key: planDateKey, value: day.date },
        ],
      });
      started.push(workflowId);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      alreadyRunning.push(workflowId);
    }
  }
  return { started, alreadyRunning };
}
