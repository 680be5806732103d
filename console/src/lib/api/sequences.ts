// /api/sequences — nurturing sequences (versioned definitions) and their enrollments (one workflow per lead and
// sequence). A definition is validated by the API as a whole: a 400 lists every error with a JSON pointer under
// /body/definition, which the editor shows next to its field.
import { ApiError, request } from './http';
import type { EntryCriteria, SequenceDefinition, StepDef } from '../../../../lib/sequences.ts';
import type { NurturingLogEntry, NurturingState } from '../../../../contracts/nurturing.ts';

export type { EntryCriteria, SequenceDefinition, StepDef, NurturingLogEntry, NurturingState };
export {
  BRANCH_ON,
  EMAIL_CATEGORIES,
  SEQUENCE_GOALS,
  STEP_ID_PATTERN,
  TEMPLATE_VARIABLES,
} from '../../../../schemas/sequences.ts';
export { DEFAULT_SEND_WINDOW, WEEKDAYS, type Weekday } from '../../../../workflows/send-window.ts';

/** Where the API reports errors of the definition; the editor strips it to get pointers into the definition. */
export const DEFINITION_POINTER = '/body/definition';

export interface SequenceSummary {
  id: string;
  accountId: string;
  name: string;
  latestVersion: number;
  createdAt: string;
  updatedAt: string;
  /** In the list only: the newest version's entry criteria, null when leads are enrolled by hand only. */
  entryCriteria?: EntryCriteria | null;
}

export interface SequenceVersionInfo {
  version: number;
  createdAt: string;
  createdBy?: string;
}

export interface Sequence extends SequenceSummary {
  definition: SequenceDefinition;
  versions: SequenceVersionInfo[];
}

export const ENROLLMENT_STATUSES = ['running', 'completed', 'goal-reached', 'stopped'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

/** An enrollment record (kept by the API), not the workflow's live state. */
export interface EnrollmentRecord {
  workflowId: string;
  accountId: string;
  leadId: string;
  sequenceId: string;
  sequenceName: string | null;
  version: number;
  /** Steps of the version it runs (null when that version is unreadable). */
  stepCount: number | null;
  runId: string;
  status: EnrollmentStatus;
  enrolledBy?: string;
  outcome?: { outcome: string; goal?: string; reason?: string };
  createdAt: string;
  endedAt?: string;
}

export interface Enrolled {
  workflowId: string;
  runId: string;
  accountId: string;
  leadId: string;
  sequenceId: string;
  version: number;
  existing: boolean;
}

export type EnrollmentState = NurturingState & { workflowId: string };

const invalid = (method: string, url: string) => new ApiError({ kind: 'invalid-response', method, url, status: 200 });
const seq = (id: string) => `/api/sequences/${encodeURIComponent(id)}`;
const enrollment = (id: string, leadId: string) => `${seq(id)}/enrollments/${encodeURIComponent(leadId)}`;

export async function listSequences(accountId: string, signal?: AbortSignal): Promise<SequenceSummary[]> {
  const body = await request<{ sequences: SequenceSummary[] }>('/api/sequences', { query: { accountId }, signal });
  if (!body || !Array.isArray(body.sequences)) throw invalid('GET', '/api/sequences');
  return body.sequences;
}

export async function getSequence(id: string, signal?: AbortSignal): Promise<Sequence> {
  const body = await request<Sequence>(seq(id), { signal });
  if (!body || typeof body.id !== 'string' || !Array.isArray(body.versions)) throw invalid('GET', seq(id));
  return body;
}

export async function getSequenceVersion(id: string, version: number, signal?: AbortSignal): Promise<{ version: number; definition: SequenceDefinition; createdAt: string }> {
  const url = `${seq(id)}/versions/${version}`;
  const body = await request<{ version: number; definition: SequenceDefinition; createdAt: string }>(url, { signal });
  if (!body || typeof body.definition !== 'object') throw invalid('GET', url);
  return body;
}

/** Version 1. A 400 lists every error of the definition. */
export async function createSequence(accountId: string, definition: SequenceDefinition): Promise<SequenceSummary & { version: number }> {
  return request('/api/sequences', { method: 'POST', body: { accountId, definition } });
}

/** Appends a version; running enrollments keep theirs. */
export async function saveVersion(id: string, definition: SequenceDefinition): Promise<{ id: string; version: number }> {
  return request(`${seq(id)}/versions`, { method: 'POST', body: { definition } });
}

export async function listEnrollments(id: string, signal?: AbortSignal): Promise<{ enrollments: EnrollmentRecord[]; counts: Record<EnrollmentStatus, number> }> {
  const url = `${seq(id)}/enrollments`;
  const body = await request<{ enrollments: EnrollmentRecord[]; counts: Record<EnrollmentStatus, number> }>(url, { signal });
  if (!body || !Array.isArray(body.enrollments)) throw invalid('GET', url);
  return body;
}

/** Enrolling a lead twice answers with the running enrollment (`existing: true`). */
export async function enroll(id: string, leadId: string): Promise<Enrolled> {
  return request(`${seq(id)}/enrollments`, { method: 'POST', body: { leadId } });
}

/** The workflow's own state: current step, next send time in the lead's zone, and what happened and why. */
export async function getEnrollmentState(id: string, leadId: string, signal?: AbortSignal): Promise<EnrollmentState> {
  const url = enrollment(id, leadId);
  const body = await request<EnrollmentState>(url, { signal });
  if (!body || typeof body.status !== 'string' || !Array.isArray(body.log)) throw invalid('GET', url);
  return body;
}

export type EnrollmentAction = 'pause' | 'resume' | 'skip';

/** 409 when the workflow refuses (already paused, not the current step any more…), with its reason. */
export async function actOnEnrollment(id: string, leadId: string, action: EnrollmentAction, stepId?: string): Promise<NurturingState> {
  return request(`${enrollment(id, leadId)}/${action}`, { method: 'POST', ...(action === 'skip' ? { body: { stepId } } : {}) });
}
