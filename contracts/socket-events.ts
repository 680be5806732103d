import type { WorkflowExecutionSummary } from './api-types.ts';
import type { ExportSummary } from './exports.ts';

/** socket.io events, typed on both ends. */
export interface ServerToClientEvents {
  'workflow:changed': (execution: WorkflowExecutionSummary) => void;
  /** A data export's status or progress changed (no download link: ask the API for it). */
  'export:progress': (exp: ExportSummary) => void;
}
// The console only listens.
export type ClientToServerEvents = Record<string, never>;
