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

/** Query of GET /api/workflows. */
export interface ListWorkflowsQuery {
  /** 1..200 (server default 50). */
  pageSize?: number;
  nextPageToken?: string | null;
  /** Exact workflow type name, pattern ^[A-Za-z][A-Za-z0-9_]{0,99}$. */
  type?: string;
  /** Any status except UNKNOWN. */
  status?: WorkflowStatus;
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
