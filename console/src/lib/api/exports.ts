// /api/accounts/:id/exports — an account's data exports (portability): request one, list them with progress
// and their signed download links. Live progress arrives over socket.io ('export:progress').
import { request } from './http';
import type { ExportSummary } from '../../../../contracts/exports.ts';

export type { ExportSummary } from '../../../../contracts/exports.ts';

export async function listExports(accountId: string, signal?: AbortSignal): Promise<ExportSummary[]> {
  const body = await request<{ exports: ExportSummary[] }>(`/api/accounts/${encodeURIComponent(accountId)}/exports`, { signal });
  return Array.isArray(body?.exports) ? body.exports : [];
}

/** 202 started, 200 one already under way (its ID); 404 unknown account, 409 purged. */
export async function startExport(accountId: string): Promise<{ exportId: string; status: string }> {
  return request<{ exportId: string; status: string }>(`/api/accounts/${encodeURIComponent(accountId)}/exports`, { method: 'POST' });
}
