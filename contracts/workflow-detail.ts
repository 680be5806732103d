/** The workflow monitor's detail page: types shared by the API (api/routes/workflow-detail.ts) and the console. */
import type { WorkflowStatus } from './api-types.ts';

export interface WorkflowRef {
  workflowId: string;
  runId: string | null;
}

export interface WorkflowChild extends WorkflowRef {
  type: string;
  /** RUNNING while pending; the visibility status once it closed (UNKNOWN when not known). */
  status: WorkflowStatus;
}

export interface PendingActivity {
  activityId: string;
  type: string;
  /** SCHEDULED, STARTED, CANCEL_REQUESTED, PAUSED… */
  state: string;
  attempt: number;
  /** 0: unlimited. */
  maximumAttempts: number;
  scheduledTime: string | null;
  lastStartedTime: string | null;
  lastHeartbeatTime: string | null;
  nextAttemptScheduleTime: string | null;
  /**
   * The last attempt's failure. Its message may hold customer data (failure messages are encrypted like payloads):
   * decoded for engineers and admins, `message: null, redacted: true` for everyone else.
   */
  lastFailure: { type: string | null; message: string | null; redacted: boolean } | null;
}

/** A business summary from the workflow's own query: `headline` reads as a sentence, `facts` as a list. */
export interface WorkflowBusinessSummary {
  query: string;
  headline: string;
  facts: { label: string; value: string }[];
  /** The query's answer as it came (IDs, dates, counts — never personal data). */
  state: unknown;
}

export interface WorkflowDetail {
  workflowId: string;
  runId: string;
  type: string;
  status: WorkflowStatus;
  startTime: string;
  executionTime: string | null;
  closeTime: string | null;
  taskQueue: string;
  historyLength: number;
  /** Opaque IDs (LoroAccountId…) and Temporal's own; values as Temporal holds them. */
  searchAttributes: Record<string, unknown>;
  parent: WorkflowRef | null;
  children: WorkflowChild[];
  pendingActivities: PendingActivity[];
  /** Null for types without a state query, or when the query could not be answered (see summaryError). */
  summary: WorkflowBusinessSummary | null;
  summaryError: string | null;
  temporalUiUrl: string | null;
}

/** Where a payload stood in the history, as the caller may see it. */
export type RedactedPayload = { $redacted: 'payload'; bytes: number };
export type UndecodablePayload = { $undecodable: string };

export interface WorkflowHistoryEvent {
  eventId: number;
  /** E.g. WorkflowExecutionStarted, ActivityTaskScheduled. */
  eventType: string;
  eventTime: string | null;
  /**
   * The event's attributes as JSON. Payloads are decoded values (engineers, admins), `{ $redacted, bytes }` markers
   * (everyone else) or `{ $undecodable: reason }` (e.g. the account's key was destroyed).
   */
  attributes: Record<string, unknown>;
}

export interface WorkflowHistory {
  workflowId: string;
  runId: string;
  /** True when payloads are decoded; false when they are redacted. */
  decoded: boolean;
  events: WorkflowHistoryEvent[];
}

/** Bodies of the actions (engineers and admins); the reason goes to the audit log. */
export interface WorkflowSignalRequest {
  name: string;
  args?: unknown[];
  reason: string;
  runId?: string;
}
export interface WorkflowActionRequest {
  reason: string;
  runId?: string;
}
export interface WorkflowActionResult {
  workflowId: string;
  runId: string;
  action: 'signal' | 'cancel' | 'terminate' | 'reset';
  auditSeq: number;
  /** reset: the run it created (the workflow ID stays). */
  newRunId?: string;
  /** reset: the workflow task event it reset to. */
  eventId?: number;
}
/** Body of a reset: to the last completed workflow task unless `eventId` names another. */
export interface WorkflowResetRequest extends WorkflowActionRequest {
  eventId?: number;
  /** A UUID per reset: a retry with the same one answers the first reset. */
  requestId?: string;
}
