// Types of the LORO engine HTTP API as seen by the admin console.
//
// They mirror — and are imported from — the shared contracts in /work/main/contracts
// (contracts/api-types.ts, contracts/socket-events.ts), which the API is written to.
// Console-side names are kept as aliases so the rest of the console does not depend
// on the contract file's naming.
import type {
  OutboxMessage,
  Problem,
  SessionUser,
  WorkflowExecutionSummary,
  WorkflowPage,
  WorkflowStatus,
} from '../../../../contracts/api-types.ts';

import { WORKFLOW_STATUSES } from '../../../../contracts/api-types.ts';
export { WORKFLOW_STATUSES, ROLES } from '../../../../contracts/api-types.ts';
export type { Role, WorkflowExecutionSummary, WorkflowStatus } from '../../../../contracts/api-types.ts';
export type { ClientToServerEvents, ServerToClientEvents } from '../../../../contracts/socket-events.ts';
import type { WorkflowListFilters } from '../../../../contracts/workflow-list.ts';
export type { WorkflowListFilters } from '../../../../contracts/workflow-list.ts';

export type User = SessionUser;

/** POST /api/auth/login body. */
export interface LoginRequest {
  email: string;
  password: string;
}

/** 200 body of POST /api/auth/login and GET /api/auth/me. */
export interface UserResponse {
  user: User | null;
}

/** Query of GET /api/workflows: a page of the list, filtered (type, status, start time, business keys). */
export interface ListWorkflowsQuery extends WorkflowListFilters {
  /** 1..200 (server default 50). */
  pageSize?: number;
  nextPageToken?: string | null;
}

/** 200 body of GET /api/workflows. */
export type ListWorkflowsResponse = WorkflowPage;

export type MailMessage = OutboxMessage;

/** 200 body of GET /api/dev/mail (local SMTP sink; 404 problem+json in production). */
export interface ListMailResponse {
  messages: MailMessage[];
}

/** RFC 9457 problem details, as returned with `application/problem+json`. */
export type ProblemDetails = Problem;

export type ProblemFieldError = NonNullable<Problem['errors']>[number];

/** Statuses the list endpoint accepts as a filter (it rejects UNKNOWN). */
export const FILTERABLE_STATUSES: readonly WorkflowStatus[] = WORKFLOW_STATUSES.filter((s) => s !== 'UNKNOWN');

/** The signed-in user's own data (GET/PATCH /api/profile). */
export type Profile = SessionUser;

/** 200 body of GET and PATCH /api/profile. */
export interface ProfileResponse {
  profile: Profile;
}

/** PATCH /api/profile body: only the fields to correct. */
export interface UpdateProfileRequest {
  name?: string;
  email?: string;
}

/** POST /api/profile/password body. */
export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

// ── Accounts, cancellation, legal holds, consents, deletion certificates, audit (issues 3 and 4) ──

export type AccountStatus = 'active' | 'cancellation-pending' | 'purged';
export const ACCOUNT_STATUSES: readonly AccountStatus[] = ['active', 'cancellation-pending', 'purged'];

/** One row of GET /api/accounts (no personal data). */
export interface AccountSummary {
  id: string;
  name: string;
  status: AccountStatus;
  onboarding?: string;
  createdAt: string;
  /** Only while a cancellation is pending. */
  purgeAt?: string;
}

/** 200 body of GET /api/accounts. */
export interface AccountPage {
  accounts: AccountSummary[];
  nextCursor: string | null;
}

/** 200 body of GET /api/accounts/:id. */
export interface AccountDetail {
  id: string;
  name: string;
  status: AccountStatus;
  onboarding: { status?: string; state?: string | null };
  createdAt: string;
  cancellation?: { graceDays?: number; requestedAt?: string; purgeAt?: string; certificateId?: string };
}

export type CancellationPhase = 'grace' | 'held' | 'purging' | 'purged' | 'reactivated';

/** 200 body of GET /api/accounts/:id/cancellation. */
export interface CancellationState {
  accountId: string;
  workflowId: string;
  phase: CancellationPhase;
  requestedAt?: string;
  purgeAt: string;
  daysRemaining: number;
  export: { status?: 'preparing' | 'ready' | 'failed'; exportId?: string; records?: number };
  /** IDs of the active legal holds the workflow knows of. */
  legalHolds: string[];
  /** Reminders sent, in days before the purge. */
  remindersSent?: number[];
  certificateId?: string;
}

export interface LegalHold {
  id: string;
  subject: { type: string; id: string } | null;
  reference: string;
  placedAt: string;
}

export type ConsentSubjectType = 'user' | 'lead' | 'technician' | 'visitor';
export const CONSENT_SUBJECT_TYPES: readonly ConsentSubjectType[] = ['user', 'lead', 'technician', 'visitor'];

export interface ConsentRecord {
  category: string;
  granted: boolean;
  policyVersion: string;
  source: string;
  at: string;
}

/** 200 body of GET /api/consents/:accountId/:subjectType/:subjectId. */
export interface ConsentState {
  /** Every category, from its newest record (granted false, nulls: never asked). */
  current: { category: string; granted: boolean; policyVersion: string | null; source: string | null; at: string | null }[];
  history: ConsentRecord[];
}

export interface DeletionCertificate {
  id: string;
  scope: 'account' | 'person';
  accountId: string;
  subject?: { type?: string; id?: string };
  workflowId: string;
  requestedAt: string;
  purgeStartedAt: string;
  completedAt: string;
  deleted: { store: string; count: number }[];
  retained: { store: string; count: number; reason: string; until?: string | null }[];
  exports?: { files?: number; bytes?: number };
  workflowHistoriesDeleted?: number;
  keyDestruction?: { keyIds?: string[]; destroyedAt?: string };
  audit?: { seq?: number; certificateSha256?: string };
  mailedAt?: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: { kind: 'user' | 'token' | 'system' | 'anonymous'; id?: string };
  action: string;
  target?: { type?: string; id?: string };
  details?: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** 200 body of GET /api/audit/verify. */
export type AuditVerification =
  | { ok: true; entries: number; lastHash: string }
  | { ok: false; entries: number; firstBad: { seq: number; problem: 'edited' | 'missing-before' | 'chain-broken' }; detail: string };
