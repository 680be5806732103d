/**
 * The scheduled triggers. Each only starts a Temporal workflow whose ID is the business key of that run
 * (e.g. the day), with duplicates rejected: a trigger that fires twice — two schedulers, a retry — starts it once.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { workflowIds } from '../contracts/workflow-ids.ts';

export interface Trigger {
  name: string;
  /** A cron expression, evaluated in `timezone`. */
  cron: string;
  timezone: string;
  start(client: Client, taskQueue: string, firedAt: Date): Promise<{ workflowId: string; started: boolean }>;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

async function startOnce(client: Client, taskQueue: string, workflowType: string, workflowId: string, args: unknown[] = []) {
  try {
    await client.workflow.start(workflowType, { taskQueue, workflowId, args, workflowIdReusePolicy: 'REJECT_DUPLICATE' });
    return { workflowId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
    throw err;
  }
}

export const TRIGGERS: Trigger[] = [
  {
    name: 'retention-sweep',
    cron: '0 3 * * *',
    timezone: 'UTC',
    start: (client, taskQueue, firedAt) => startOnce(client, taskQueue, 'retentionSweep', workflowIds.retentionSweep(day(firedAt))),
  },
  {
    // Keeps usage_daily fresh (GET /api/usage/daily reports how fresh: `rolledUpThrough`); one run per slot.
    name: 'usage-roll-up',
    cron: '*/15 * * * *',
    timezone: 'UTC',
    start: (client, taskQueue, firedAt) => {
      const slot = new Date(Math.floor(firedAt.getTime() / 900_000) * 900_000).toISOString().slice(0, 16);
      return startOnce(client, taskQueue, 'usageRollUp', workflowIds.usageRollUp(slot));
    },
  },
  {
    // Every hour: each region's plan starts at PLANNING_LOCAL_TIME in its own zone (workflows/morning-planning.ts).
    name: 'morning-planning',
    cron: '0 * * * *',
    timezone: 'UTC',
    start: (client, taskQueue, firedAt) => {
      const hour = new Date(Math.floor(firedAt.getTime() / 3_600_000) * 3_600_000);
      return startOnce(client, taskQueue, 'morningPlanning', workflowIds.morningPlanning(hour.toISOString().slice(0, 13)), [hour.toISOString()]);
    },
  },
];
