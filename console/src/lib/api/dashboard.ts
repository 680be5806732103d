// /api/dashboard — the overview: workflows by type and status, today's route plans, nurturing, mail, pending purges.
// Its types come from the response's JSON Schema (schemas/dashboard.ts), the API's own source.
import { ApiError, request } from './http';
import type { DashboardResponse, WorkflowStatusCounts } from '../../../../schemas/dashboard.ts';

export type Dashboard = DashboardResponse;
export type { WorkflowStatusCounts };
export type TodaysRoutePlan = DashboardResponse['routePlans'][number];
export type PendingDeletion = DashboardResponse['pendingDeletions']['items'][number];

export async function getDashboard(signal?: AbortSignal): Promise<Dashboard> {
  const body = await request<Dashboard>('/api/dashboard', { signal });
  if (!body || !body.workflows || !Array.isArray(body.routePlans) || !Array.isArray(body.sends?.days)) {
    throw new ApiError({ kind: 'invalid-response', method: 'GET', url: '/api/dashboard', status: 200 });
  }
  return body;
}
