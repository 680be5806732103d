/**
 * Workflow executions by type and status from Temporal's visibility store. Visibility can group by
 * ExecutionStatus only (not WorkflowType: the dev server refuses it), so there is one grouped count per type the
 * worker runs, and one over everything whose difference shows executions of types the worker does not know.
 * Counts are limited to the engine's task queue: a namespace may be shared with other applications (and tests).
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import * as workflowFunctions from '../../workflows/index.ts';
import type { WorkflowStatusCounts } from '../../schemas/dashboard.ts';

/** The keys of our counts for Temporal's ExecutionStatus search-attribute values. */
const KEY_OF_STATUS: Record<string, keyof WorkflowStatusCounts> = {
  Running: 'running',
  Completed: 'completed',
  Failed: 'failed',
  Canceled: 'cancelled',
  Terminated: 'terminated',
  TimedOut: 'timedOut',
  ContinuedAsNew: 'continuedAsNew',
};

export const OTHER_TYPES = '(other)';

/** Every workflow type the worker registers, in name order. */
export const KNOWN_WORKFLOW_TYPES: readonly string[] = Object.keys(workflowFunctions).sort();

const zero = (): WorkflowStatusCounts => ({ running: 0, completed: 0, failed: 0, cancelled: 0, terminated: 0, timedOut: 0, continuedAsNew: 0 });

/** Values are embedded in the visibility query: anything but a plain name is refused rather than escaped. */
function literal(value: string): string {
  if (!/^[\w.:/-]+$/.test(value)) throw new Error(`not a safe visibility literal: ${JSON.stringify(value)}`);
  return `'${value}'`;
}

async function countByStatus(client: Client, namespace: string, filter: string): Promise<WorkflowStatusCounts> {
  const res = await client.workflowService.countWorkflowExecutions({ namespace, query: `${filter} GROUP BY ExecutionStatus` });
  const counts = zero();
  for (const group of res.groups ?? []) {
    const [value] = group.groupValues ?? [];
    const key = value ? KEY_OF_STATUS[String(defaultPayloadConverter.fromPayload(value))] : undefined;
    if (key) counts[key] += Number(group.count ?? 0);
  }
  return counts;
}

export async function workflowCounts(client: Client, namespace: string, taskQueue: string) {
  const onQueue = `TaskQueue = ${literal(taskQueue)}`;
  const [totals, ...perType] = await Promise.all([
    countByStatus(client, namespace, onQueue),
    ...KNOWN_WORKFLOW_TYPES.map((type) => countByStatus(client, namespace, `${onQueue} AND WorkflowType = ${literal(type)}`)),
  ]);
  const byType = KNOWN_WORKFLOW_TYPES.map((type, i) => ({ type, counts: perType[i]! }));
  // The grouped counts are separate reads of an eventually consistent store: clamp what a race could make negative.
  const other = zero();
  for (const key of Object.keys(other) as (keyof WorkflowStatusCounts)[]) {
    other[key] = Math.max(0, totals![key] - byType.reduce((sum, t) => sum + t.counts[key], 0));
  }
  if (Object.values(other).some((n) => n > 0)) byType.push({ type: OTHER_TYPES, counts: other });
  return { taskQueue, totals: totals!, byType };
}
