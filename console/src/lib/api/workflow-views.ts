// /api/workflow-views — saved views of the workflow list, shared by the team.
import { ApiError, request } from './http';
import type { WorkflowListFilters, WorkflowView, WorkflowViewList } from '../../../../contracts/workflow-list.ts';

export type { WorkflowView } from '../../../../contracts/workflow-list.ts';

const PATH = '/api/workflow-views';

export async function listViews(signal?: AbortSignal): Promise<WorkflowView[]> {
  const body = await request<WorkflowViewList>(PATH, { signal });
  if (!body || !Array.isArray(body.views)) throw new ApiError({ kind: 'invalid-response', method: 'GET', url: PATH, status: 200 });
  return body.views;
}

export function createView(name: string, filters: WorkflowListFilters): Promise<WorkflowView> {
  return request<WorkflowView>(PATH, { method: 'POST', body: { name, filters } });
}

export async function deleteView(id: string): Promise<void> {
  await request<void>(`${PATH}/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
