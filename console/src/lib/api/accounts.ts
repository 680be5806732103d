// /api/accounts — customer accounts (no personal data) and their cancellation.
import { ApiError, isApiError, request } from './http';
import type { AccountDetail, AccountPage, AccountStatus, CancellationState } from './types';

export const DEFAULT_PAGE_SIZE = 50;

const invalid = (method: string, url: string) => new ApiError({ kind: 'invalid-response', method, url, status: 200 });
const path = (id: string) => `/api/accounts/${encodeURIComponent(id)}`;

export async function listAccounts(
  query: { status?: AccountStatus; cursor?: string | null; limit?: number } = {},
  signal?: AbortSignal,
): Promise<AccountPage> {
  const body = await request<AccountPage>('/api/accounts', {
    query: { status: query.status, cursor: query.cursor, limit: query.limit ?? DEFAULT_PAGE_SIZE },
    signal,
  });
  if (!body || !Array.isArray(body.accounts)) throw invalid('GET', '/api/accounts');
  return { accounts: body.accounts, nextCursor: body.nextCursor || null };
}

export async function getAccount(id: string, signal?: AbortSignal): Promise<AccountDetail> {
  const body = await request<AccountDetail>(path(id), { signal });
  if (!body || typeof body.id !== 'string') throw invalid('GET', path(id));
  return body;
}

/** The account's cancellation, or null when it was never cancelled (404). */
export async function getCancellation(id: string, signal?: AbortSignal): Promise<CancellationState | null> {
  try {
    const body = await request<CancellationState>(`${path(id)}/cancellation`, { signal });
    if (!body || typeof body.phase !== 'string') throw invalid('GET', `${path(id)}/cancellation`);
    return body;
  } catch (err) {
    if (isApiError(err) && err.kind === 'http' && err.status === 404) return null;
    throw err;
  }
}

/** Starts the cancellation (202); a second request answers with the running one. */
export async function cancelAccount(id: string): Promise<{ accountId: string; workflowId: string }> {
  return request(`${path(id)}/cancellation`, { method: 'POST' });
}

/** Admins, on the owner's behalf; 409 once the purge began. */
export async function reactivateAccount(id: string): Promise<{ reactivatedAt: string }> {
  return request(`${path(id)}/cancellation/reactivate`, { method: 'POST' });
}

export async function extendGrace(id: string, days: number): Promise<{ purgeAt: string }> {
  return request(`${path(id)}/cancellation/extend`, { method: 'POST', body: { days } });
}

export async function purgeNow(id: string): Promise<{ purgeAt: string }> {
  return request(`${path(id)}/cancellation/purge-now`, { method: 'POST' });
}

/** The owner's signed link from the cancellation mail; no session needed. 403 forged/expired, 409 purge began. */
export async function reactivateWithToken(token: string): Promise<{ reactivatedAt: string }> {
  return request('/api/account-reactivations', { method: 'POST', body: { token }, skipUnauthorizedHandler: true });
}
