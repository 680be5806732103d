// Types of the LORO engine HTTP API as seen by the admin console.
//
// These mirror the API contracts in /work/main/contracts (the server is written to
// exactly this shape). If contracts/api-types.ts becomes available, re-export from it
// here instead so there is a single source of truth.

export type Role = 'ops' | 'engineer' | 'admin';

export interface User {
  id: string;
  email: string;
  name: string;
  roles: Role[];
}

/** POST /api/auth/login body. */
export interface LoginRequest {
  email: string;
  password: string;
}

/** 200 body of POST /api/auth/login and GET /api/auth/me. */
export interface UserResponse {
  user: User;
}

export const WORKFLOW_STATUSES = [
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TERMINATED',
  'CONTINUED_AS_NEW',
  'TIMED_OUT',
  'UNKNOWN',
] as const;

export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

export interface WorkflowExecutionSummary {
  workflowId: string;
  runId: string;
  type: string;
  status: WorkflowStatus;
  /** ISO 8601 */
  startTime: string;
  /** ISO 8601, null while the execution is open */
  closeTime: string | null;
  taskQueue: string;
  temporalUiUrl: string | null;
}

/** Query of GET /api/workflows. */
export interface ListWorkflowsQuery {
  pageSize?: number;
  nextPageToken?: string | null;
  type?: string;
  status?: WorkflowStatus;
}

/** 200 body of GET /api/workflows. */
export interface ListWorkflowsResponse {
  executions: WorkflowExecutionSummary[];
  nextPageToken: string | null;
}

export interface MailMessage {
  id: string;
  from: string;
  to: string[];
  subject: string;
  /** ISO 8601 */
  date: string;
  text: string;
}

/** 200 body of GET /api/dev/mail (local SMTP sink; 404 problem+json in production). */
export interface ListMailResponse {
  messages: MailMessage[];
}

/** RFC 9457 problem details, as returned with `application/problem+json`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: ProblemFieldError[];
}

export interface ProblemFieldError {
  path: string;
  message: string;
}

/** socket.io events sent by the server to the console. */
export interface ServerToClientEvents {
  'workflow:changed': (execution: WorkflowExecutionSummary) => void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ClientToServerEvents {}
