import type { WorkflowExecutionSummary } from './api-types.ts';

/** socket.io events, typed on both ends. */
export interface ServerToClientEvents {
  'workflow:changed': (execution: WorkflowExecutionSummary) => void;
}
// The console only listens.
export type ClientToServerEvents = Record<string, never>;
