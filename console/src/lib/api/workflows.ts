// /api/workflows — Temporal workflow executions (visibility list).
import { ApiError, request } from './http';
import type { ListWorkflowsQuery, ListWorkflowsResponse } from './types';

export const DEFAULT_PAGE_SIZE = 50;
/** The largest page the API accepts. */
export const MAX_PAGE_SIZE = 200;

export async function listWorkflows(
  query: ListWorkflowsQuery = {},
  signal?: AbortSignal,
): Promise<ListWorkflowsResponse> {
  const body = await request<ListWorkflowsResponse>('/api/workflows', {
    query: {
      pageSize: query.pageSize ?? DEFAULT_PAGE_SIZE,
      nextPageToken: query.nextPageToken,
      type: query.type?.trim(),
      status: query.status,
    },
    signal,
  });
  if (!body || !Array.isArray(body.executions)) {
    throw new ApiError({ kind: 'invalid-response', method: 'GET', url: '/api/workflows', status: 200 });
  }
  return { executions: body.executions, nextPageToken: body.nextPageToken || null };
}
