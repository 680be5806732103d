import type { WorkflowExecutionSummary } from './api-types.ts';
import type { ExportSummary } from './exports.ts';

/** A technician's GPS position as the API accepted it (consent given, inside the shift); never a refused one. */
export interface PositionUpdate {
  technicianId: string;
  /** When the device took it (ISO 8601). */
  at: string;
  lat: number;
  lng: number;
}

/** socket.io events, typed on both ends. */
export interface ServerToClientEvents {
  'workflow:changed': (execution: WorkflowExecutionSummary) => void;
  /** A data export's status or progress changed (no download link: ask the API for it). */
  'export:progress': (exp: ExportSummary) => void;
  /** Live positions, to signed-in staff only (not to API tokens). */
  'position:update': (position: PositionUpdate) => void;
}
// The console only listens.
export type ClientToServerEvents = Record<string, never>;
