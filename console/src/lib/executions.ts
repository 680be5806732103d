// Pure helpers for keeping a list of workflow executions up to date with live events.
import type { WorkflowExecutionSummary, WorkflowStatus } from './api/types';
import { FILTER_SEARCH_ATTRIBUTES, type WorkflowListFilters } from '../../../contracts/workflow-list.ts';

export interface ExecutionFilters extends Omit<WorkflowListFilters, 'status'> {
  status?: WorkflowStatus | '';
}

/** Executions are identified by workflowId + runId. */
export function executionKey(e: Pick<WorkflowExecutionSummary, 'workflowId' | 'runId'>): string {
  return `${e.workflowId}\u0000${e.runId}`;
}

function time(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

/** Sort order of the lists: newest start time first. Negative when a comes first. */
export function compareNewestFirst(a: WorkflowExecutionSummary, b: WorkflowExecutionSummary): number {
  return time(b.startTime) - time(a.startTime) || a.workflowId.localeCompare(b.workflowId);
}

export function matchesFilters(e: WorkflowExecutionSummary, filters: ExecutionFilters): boolean {
  const type = filters.type?.trim();
  if (type && e.type !== type) return false;
  if (filters.status && e.status !== filters.status) return false;
  // The same bounds as the API's: from inclusive, to exclusive.
  if (filters.from && time(e.startTime) < time(filters.from)) return false;
  if (filters.to && time(e.startTime) >= time(filters.to)) return false;
  for (const [filter, attribute] of Object.entries(FILTER_SEARCH_ATTRIBUTES) as [keyof typeof FILTER_SEARCH_ATTRIBUTES, string][]) {
    const wanted = filters[filter]?.trim();
    if (wanted && e.searchAttributes?.[attribute] !== wanted) return false;
  }
  return true;
}

/**
 * Applies one 'workflow:changed' event to a newest-first list and returns a new
 * list (or the same one when nothing changed):
 * - a known execution is replaced in place (or dropped if it no longer matches the filters);
 * - a new matching execution is inserted at its place in the order, unless it is older
 *   than everything loaded while more pages exist (it will arrive with "Load more").
 */
export function applyChange(
  list: readonly WorkflowExecutionSummary[],
  e: WorkflowExecutionSummary,
  filters: ExecutionFilters = {},
  hasMorePages = false,
): WorkflowExecutionSummary[] {
  const key = executionKey(e);
  const index = list.findIndex((r) => executionKey(r) === key);
  const matches = matchesFilters(e, filters);
  if (index >= 0) {
    const next = list.slice();
    if (matches) next[index] = e;
    else next.splice(index, 1);
    return next;
  }
  if (!matches) return list as WorkflowExecutionSummary[];
  const position = list.findIndex((r) => compareNewestFirst(e, r) < 0);
  if (position === -1) return hasMorePages ? (list as WorkflowExecutionSummary[]) : [...list, e];
  return [...list.slice(0, position), e, ...list.slice(position)];
}

/** Appends a further page, skipping executions already in the list (e.g. seen live). */
export function appendPage(
  list: readonly WorkflowExecutionSummary[],
  page: readonly WorkflowExecutionSummary[],
): WorkflowExecutionSummary[] {
  const seen = new Set(list.map(executionKey));
  return [...list, ...page.filter((e) => !seen.has(executionKey(e)))];
}

/** Counts items per key, largest first (ties by key). */
export function countBy<T>(items: readonly T[], keyOf: (item: T) => string): { key: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}
