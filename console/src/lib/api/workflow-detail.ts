// /api/workflows/:workflowId — one execution: detail with business summary, history, actions.
import { ApiError, request } from './http';
import type {
  WorkflowActionResult,
  WorkflowDetail,
  WorkflowHistory,
} from '../../../../contracts/workflow-detail.ts';

export type {
  PendingActivity,
  WorkflowActionResult,
  WorkflowBusinessSummary,
  WorkflowChild,
  WorkflowDetail,
  WorkflowHistory,
  WorkflowHistoryEvent,
  WorkflowRef,
} from '../../../../contracts/workflow-detail.ts';

const path = (workflowId: string) => `/api/workflows/${encodeURIComponent(workflowId)}`;
const invalid = (method: string, url: string) => new ApiError({ kind: 'invalid-response', method, url, status: 200 });

export async function getWorkflow(workflowId: string, runId?: string | null, signal?: AbortSignal): Promise<WorkflowDetail> {
  const body = await request<WorkflowDetail>(path(workflowId), { query: { runId }, signal });
  if (!body || typeof body.workflowId !== 'string') throw invalid('GET', path(workflowId));
  return body;
}

export async function getWorkflowHistory(workflowId: string, runId?: string | null, signal?: AbortSignal): Promise<WorkflowHistory> {
  const url = `${path(workflowId)}/history`;
  // Long histories take a while to decode: more time than the default.
  const body = await request<WorkflowHistory>(url, { query: { runId }, signal, timeoutMs: 60_000 });
  if (!body || !Array.isArray(body.events)) throw invalid('GET', url);
  return body;
}

/** The URL of the history as a JSON file (the API answers with Content-Disposition: attachment). */
export const historyDownloadUrl = (workflowId: string, runId: string) =>
  `${path(workflowId)}/history?runId=${encodeURIComponent(runId)}&download=1`;

export type WorkflowAction = WorkflowActionResult['action'];

export async function actOnWorkflow(
  workflowId: string,
  action: WorkflowAction,
  body: { reason: string; runId?: string; name?: string; args?: unknown[]; eventId?: number; requestId?: string },
): Promise<WorkflowActionResult> {
  return request<WorkflowActionResult>(`${path(workflowId)}/${action}`, { method: 'POST', body });
}
