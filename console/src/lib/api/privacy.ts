// /api/legal-holds, /api/consents, /api/deletion-certificates and /api/audit — the privacy policy's records.
import { ApiError, request } from './http';
import type { AuditEntry, AuditVerification, ConsentState, ConsentSubjectType, DeletionCertificate, LegalHold } from './types';

const invalid = (url: string) => new ApiError({ kind: 'invalid-response', method: 'GET', url, status: 200 });

export async function listLegalHolds(accountId: string, signal?: AbortSignal): Promise<LegalHold[]> {
  const body = await request<{ holds: LegalHold[] }>('/api/legal-holds', { query: { accountId }, signal });
  if (!body || !Array.isArray(body.holds)) throw invalid('/api/legal-holds');
  return body.holds;
}

/** Admins only. `reference` is a case reference, never a person's name. */
export async function placeLegalHold(accountId: string, reference: string): Promise<{ id: string; placedAt: string }> {
  return request('/api/legal-holds', { method: 'POST', body: { accountId, reference } });
}

export async function releaseLegalHold(id: string): Promise<void> {
  await request(`/api/legal-holds/${encodeURIComponent(id)}/release`, { method: 'POST' });
}

export async function getConsents(
  accountId: string,
  subjectType: ConsentSubjectType,
  subjectId: string,
  signal?: AbortSignal,
): Promise<ConsentState> {
  const url = `/api/consents/${[accountId, subjectType, subjectId].map(encodeURIComponent).join('/')}`;
  const body = await request<ConsentState>(url, { signal });
  if (!body || !Array.isArray(body.current) || !Array.isArray(body.history)) throw invalid(url);
  return body;
}

export async function listCertificates(accountId?: string, signal?: AbortSignal): Promise<DeletionCertificate[]> {
  const body = await request<{ certificates: DeletionCertificate[] }>('/api/deletion-certificates', { query: { accountId }, signal });
  if (!body || !Array.isArray(body.certificates)) throw invalid('/api/deletion-certificates');
  return body.certificates;
}

export async function getCertificate(id: string, signal?: AbortSignal): Promise<DeletionCertificate> {
  const url = `/api/deletion-certificates/${encodeURIComponent(id)}`;
  const body = await request<DeletionCertificate>(url, { signal });
  if (!body || typeof body.id !== 'string') throw invalid(url);
  return body;
}

export const AUDIT_PAGE_SIZE = 100;

/** Newest first; `before` is the smallest sequence number already shown. */
export async function listAudit(before?: number, signal?: AbortSignal): Promise<AuditEntry[]> {
  const body = await request<{ entries: AuditEntry[] }>('/api/audit', { query: { limit: AUDIT_PAGE_SIZE, before }, signal });
  if (!body || !Array.isArray(body.entries)) throw invalid('/api/audit');
  return body.entries;
}

export async function verifyAudit(signal?: AbortSignal): Promise<AuditVerification> {
  const body = await request<AuditVerification>('/api/audit/verify', { signal, timeoutMs: 120_000 });
  if (!body || typeof body.ok !== 'boolean') throw invalid('/api/audit/verify');
  return body;
}

/** The whole log as JSON Lines (admins); a plain link, so the browser downloads it with the session cookie. */
export const AUDIT_EXPORT_URL = '/api/audit/export';

export type PersonType = 'lead' | 'technician';
export interface PersonErasureState {
  phase: 'held' | 'erasing' | 'erased';
  legalHolds: string[];
  certificateId?: string;
}

/** Ops and admins: starts (or joins) the erasure of one person on their request. */
export async function requestPersonErasure(accountId: string, personType: PersonType, personId: string): Promise<{ workflowId: string }> {
  return request(`/api/accounts/${encodeURIComponent(accountId)}/erasures`, { method: 'POST', body: { personType, personId } });
}

export async function getPersonErasure(accountId: string, personType: PersonType, personId: string, signal?: AbortSignal): Promise<PersonErasureState> {
  const url = `/api/accounts/${[accountId, 'erasures', personType, personId].map(encodeURIComponent).join('/')}`;
  const body = await request<PersonErasureState>(url, { signal });
  if (!body || typeof body.phase !== 'string') throw invalid(url);
  return body;
}
