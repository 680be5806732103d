// How the dashboard groups Temporal's seven statuses into the few a person scans for (pure, so it can be reasoned about).
import type { WorkflowStatusCounts } from '../../lib/api/dashboard';

export interface Segment {
  key: 'running' | 'completed' | 'failed' | 'stopped';
  label: string;
  color: string;
  count(c: WorkflowStatusCounts): number;
}

export const SEGMENTS: readonly Segment[] = [
  { key: 'running', label: 'Running', color: 'var(--tone-running)', count: (c) => c.running },
  { key: 'completed', label: 'Completed', color: 'var(--tone-ok)', count: (c) => c.completed + c.continuedAsNew },
  // A timeout is a failure the workflow did not report itself: the same call to action.
  { key: 'failed', label: 'Failed', color: 'var(--tone-bad)', count: (c) => c.failed + c.timedOut },
  { key: 'stopped', label: 'Terminated or cancelled', color: 'var(--tone-warn)', count: (c) => c.terminated + c.cancelled },
];

export const totalOf = (c: WorkflowStatusCounts) => SEGMENTS.reduce((n, s) => n + s.count(c), 0);
