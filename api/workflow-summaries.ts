/** Temporal's visibility records → the console's summaries. */
import type { temporal } from '@temporalio/proto';
import type { WorkflowExecutionSummary, WorkflowStatus } from '../contracts/api-types.ts';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes.ts';

const STATUS: Record<number, WorkflowStatus> = {
  1: 'RUNNING',
  2: 'COMPLETED',
  3: 'FAILED',
  4: 'CANCELLED',
  5: 'TERMINATED',
  6: 'CONTINUED_AS_NEW',
  7: 'TIMED_OUT',
};

/** Values of ExecutionStatus in visibility queries. */
export const STATUS_QUERY_VALUE: Record<Exclude<WorkflowStatus, 'UNKNOWN'>, string> = {
  RUNNING: 'Running',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELLED: 'Canceled',
  TERMINATED: 'Terminated',
  CONTINUED_AS_NEW: 'ContinuedAsNew',
  TIMED_OUT: 'TimedOut',
};

const iso = (t: temporal.api.common.v1.IPayload | { seconds?: unknown; nanos?: number | null } | null | undefined) => {
  const ts = t as { seconds?: { toNumber?: () => number } | number | null; nanos?: number | null } | null | undefined;
  if (!ts?.seconds) return null;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds.toNumber?.() ?? Number(ts.seconds));
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
};

const LORO_ATTRIBUTES = Object.keys(SEARCH_ATTRIBUTES);

/**
 * The LORO business keys an execution carries (Keyword attributes: JSON strings). Only ours, so the console can
 * match live updates against the list's filters without learning Temporal's internal attributes.
 */
function loroSearchAttributes(fields: Record<string, temporal.api.common.v1.IPayload> | null | undefined): Record<string, string> | undefined {
  if (!fields) return undefined;
  const out: Record<string, string> = {};
  for (const name of LORO_ATTRIBUTES) {
    const data = fields[name]?.data;
    if (!data?.length) continue;
    try {
      const value: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
      const first = Array.isArray(value) ? value[0] : value;
      if (typeof first === 'string') out[name] = first;
    } catch {
      // Not JSON: not one of ours as we write them; leave it out.
    }
  }
  return Object.keys(out).length ? out : undefined;
}

export function toSummary(
  info: temporal.api.workflow.v1.IWorkflowExecutionInfo,
  ui: { baseUrl?: string; namespace: string },
): WorkflowExecutionSummary {
  const workflowId = info.execution?.workflowId ?? '';
  const runId = info.execution?.runId ?? '';
  const searchAttributes = loroSearchAttributes(info.searchAttributes?.indexedFields);
  return {
    workflowId,
    runId,
    type: info.type?.name ?? '',
    status: STATUS[info.status ?? 0] ?? 'UNKNOWN',
    startTime: iso(info.startTime) ?? new Date(0).toISOString(),
    closeTime: iso(info.closeTime),
    taskQueue: info.taskQueue ?? '',
    temporalUiUrl: ui.baseUrl
      ? `${ui.baseUrl}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`
      : null,
    ...(searchAttributes ? { searchAttributes } : {}),
  };
}
