// Visual tone of each workflow status (colours are CSS variables in app.css).
import type { WorkflowStatus } from './api/types';

export type StatusTone = 'running' | 'ok' | 'bad' | 'warn' | 'neutral' | 'info';

const TONES: Record<WorkflowStatus, StatusTone> = {
  RUNNING: 'running',
  COMPLETED: 'ok',
  FAILED: 'bad',
  TIMED_OUT: 'bad',
  TERMINATED: 'warn',
  CANCELLED: 'neutral',
  CONTINUED_AS_NEW: 'info',
  UNKNOWN: 'neutral',
};

export function statusTone(status: string): StatusTone {
  return TONES[status as WorkflowStatus] ?? 'neutral';
}

/** CSS colour (a var()) for charts. */
export function statusColor(status: string): string {
  return `var(--tone-${statusTone(status)})`;
}
