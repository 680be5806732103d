// /api/workflows — Temporal workflow executions (visibility list), filtered.
import { ApiError, request } from './http';
import type { ListWorkflowsQuery, ListWorkflowsResponse } from './types';
import { WORKFLOW_FILTER_KEYS } from '../../../../contracts/workflow-list.ts';

export const DEFAULT_PAGE_SIZE = 50;
/** The largest page the API accepts. */
export const MAX_PAGE_SIZE = 200;

export async function listWorkflows(
  query: ListWorkflowsQuery = {},
  signal?: AbortSignal,
): Promise<ListWorkflowsResponse> {
  const filters = Object.fromEntries(WORKFLOW_FILTER_KEYS.map((k) => [k, query[k]?.trim() || undefined]));
  const body = await request<ListWorkflowsResponse>('/api/workflows', {
    query: {
      pageSize: query.pageSize ?? DEFAULT_PAGE_SIZE,
      nextPageToken: query.nextPageToken,
      ...filters,
    },
    signal,
  });
  if (!body || !Array.isArray(body.executions)) {
    throw new ApiError({ kind: 'invalid-response', method: 'GET', url: '/api/workflows', status: 200 });
  }
  return { executions: body.executions, nextPageToken: body.nextPageToken || null };
}
