/** The workflow monitor's list: its filters and the team's saved views (api/routes/workflows.ts, workflow-views.ts; console). */
import type { WorkflowStatus } from './api-types.ts';
import type { SearchAttributeName } from './search-attributes.ts';

/** Filters of GET /api/workflows, as the query string and a saved view carry them. */
export interface WorkflowListFilters {
  /** Exact workflow type name. */
  type?: string;
  status?: Exclude<WorkflowStatus, 'UNKNOWN'>;
  /** Started at or after (ISO 8601 date-time). */
  from?: string;
  /** Started before (ISO 8601 date-time). */
  to?: string;
  /** Business keys, matched exactly against the search attributes below. */
  account?: string;
  lead?: string;
  region?: string;
  /** A plan date, YYYY-MM-DD. */
  date?: string;
}

export type WorkflowFilterKey = keyof WorkflowListFilters;

/** Every filter, in the order the console shows them and links spell them. */
export const WORKFLOW_FILTER_KEYS = ['type', 'status', 'from', 'to', 'account', 'lead', 'region', 'date'] as const satisfies readonly WorkflowFilterKey[];

/** The search attribute each business-key filter reads. */
export const FILTER_SEARCH_ATTRIBUTES = {
  account: 'LoroAccountId',
  lead: 'LoroLeadId',
  region: 'LoroRegion',
  date: 'LoroPlanDate',
} as const satisfies Partial<Record<WorkflowFilterKey, SearchAttributeName>>;

/** A saved view: named filters shared by the whole team. */
export interface WorkflowView {
  id: string;
  name: string;
  filters: WorkflowListFilters;
  /** The user ID of whoever saved it. */
  createdBy: string;
  createdAt: string;
}

export interface WorkflowViewList {
  views: WorkflowView[];
}
