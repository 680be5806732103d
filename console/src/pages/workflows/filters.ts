// The Workflows page's filters ⇄ the URL query (#/workflows?account=…&from=…), so a filtered list is a link to share.
import { WORKFLOW_FILTER_KEYS, type WorkflowListFilters } from '../../../../contracts/workflow-list.ts';
import { FILTERABLE_STATUSES } from '../../lib/api/types';

/** The filters a URL query carries; unknown keys and blank values are dropped (the API checks the rest). */
export function filtersFromQuery(query: URLSearchParams): WorkflowListFilters {
  const out: Record<string, string> = {};
  for (const key of WORKFLOW_FILTER_KEYS) {
    const value = query.get(key)?.trim();
    if (value) out[key] = value;
  }
  if (out.status && !FILTERABLE_STATUSES.includes(out.status as never)) delete out.status;
  return out as WorkflowListFilters;
}

/** `?type=…&account=…` in the keys' fixed order (same filters, same link), or '' without filters. */
export function filtersToQuery(filters: WorkflowListFilters): string {
  const params = new URLSearchParams();
  for (const key of WORKFLOW_FILTER_KEYS) {
    const value = filters[key]?.trim();
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export const sameFilters = (a: WorkflowListFilters, b: WorkflowListFilters) => filtersToQuery(a) === filtersToQuery(b);

export const hasFilters = (f: WorkflowListFilters) => filtersToQuery(f) !== '';

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO instant → the value of a datetime-local input, in the browser's time zone ('' if unreadable). */
export function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (browser's time zone) → an ISO instant, or undefined when empty or unreadable. */
export function localInputToIso(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
