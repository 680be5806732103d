// /api/accounts/:accountId/leads — an account's leads (names and addresses: staff may see them) and CSV import.
import { ApiError, request } from './http';
import type { EnrollmentRecord } from './sequences';

export const LEAD_STATUSES = ['new', 'nurturing', 'qualified', 'converted', 'lost'] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];
export const DEFAULT_PAGE_SIZE = 50;

export interface Lead {
  id: string;
  accountId: string;
  name: string;
  email?: string;
  phone?: string;
  company?: string;
  jobTitle?: string;
  notes?: string;
  timeZone: string;
  status: LeadStatus;
  source?: string;
  ownerUserId?: string;
  score: number;
  createdAt: string;
  updatedAt: string;
}

export interface LeadPage {
  leads: Lead[];
  nextCursor: string | null;
}

export interface NewLead {
  name: string;
  email?: string;
  phone?: string;
  company?: string;
  timeZone?: string;
  source?: string;
  ownerUserId?: string;
  score?: number;
}

export interface ImportReport {
  importId: string;
  rows: number;
  imported: number;
  rejected: { line: number; errors: { field: string; message: string }[]; duplicateOfLine?: number; existingLeadId?: string }[];
}

const path = (accountId: string) => `/api/accounts/${encodeURIComponent(accountId)}/leads`;

export async function listLeads(
  accountId: string,
  query: { status?: LeadStatus; email?: string; cursor?: string | null; limit?: number } = {},
  signal?: AbortSignal,
): Promise<LeadPage> {
  const body = await request<LeadPage>(path(accountId), {
    query: { status: query.status, email: query.email, cursor: query.cursor, limit: query.limit ?? DEFAULT_PAGE_SIZE },
    signal,
  });
  if (!body || !Array.isArray(body.leads)) throw new ApiError({ kind: 'invalid-response', method: 'GET', url: path(accountId), status: 200 });
  return { leads: body.leads, nextCursor: body.nextCursor || null };
}

/** 400 names every failing field; 409 when the address belongs to another lead (refused, not merged). */
export async function createLead(accountId: string, lead: NewLead): Promise<Lead> {
  return request<Lead>(path(accountId), { method: 'POST', body: lead });
}

/** The file is streamed to the API as it is; the answer reports every row not imported. */
export async function importLeads(accountId: string, file: Blob | string): Promise<ImportReport> {
  return request<ImportReport>(`${path(accountId)}/import`, { method: 'POST', rawBody: { contentType: 'text/csv', data: file }, timeoutMs: 10 * 60_000 });
}

export async function getLead(accountId: string, leadId: string, signal?: AbortSignal): Promise<Lead> {
  const url = `${path(accountId)}/${encodeURIComponent(leadId)}`;
  const body = await request<Lead>(url, { signal });
  if (!body || typeof body.id !== 'string') throw new ApiError({ kind: 'invalid-response', method: 'GET', url, status: 200 });
  return body;
}

/** The lead's enrollments (records, newest first); each one's live state comes from lib/api/sequences.ts. */
export async function listLeadEnrollments(accountId: string, leadId: string, signal?: AbortSignal): Promise<EnrollmentRecord[]> {
  const url = `${path(accountId)}/${encodeURIComponent(leadId)}/enrollments`;
  const body = await request<{ enrollments: EnrollmentRecord[] }>(url, { signal });
  if (!body || !Array.isArray(body.enrollments)) throw new ApiError({ kind: 'invalid-response', method: 'GET', url, status: 200 });
  return body.enrollments;
}
