/** Types shared by the API and the console (the console imports this file). */
export const ROLES = ['ops', 'engineer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  roles: Role[];
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
  startTime: string;
  closeTime: string | null;
  taskQueue: string;
  temporalUiUrl: string | null;
  /** The LORO business keys it carries (LoroAccountId…: opaque IDs), when any. */
  searchAttributes?: Record<string, string>;
}

export interface WorkflowPage {
  executions: WorkflowExecutionSummary[];
  nextPageToken: string | null;
}

export interface OutboxMessage {
  id: string;
  from: string;
  to: string[];
  subject: string;
  date: string;
  text: string;
}

/** RFC 9457 problem details, as every API error is sent. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
}
