/**
 * The list's filters → a Temporal visibility query. The values were schema-checked already (schemas/workflows.ts),
 * but each is quoted and escaped here too, so the query stays one clause per filter whatever a future schema lets
 * through: a filter can narrow the list, never rewrite the query.
 */
import { FILTER_SEARCH_ATTRIBUTES, type WorkflowListFilters } from '../contracts/workflow-list.ts';
import { badRequest } from './problem.ts';
import { STATUS_QUERY_VALUE } from './workflow-summaries.ts';

/** A visibility string literal: backslashes and quotes escaped. */
export const quoteLiteral = (value: string) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('"', '\\"')}'`;

/** Cross-field checks JSON Schema cannot express, answered like the schema's own (400, every failing field). */
export function checkFilters(filters: WorkflowListFilters, part: 'query' | 'body/filters') {
  if (filters.from && filters.to && Date.parse(filters.from) >= Date.parse(filters.to)) {
    throw badRequest([{ path: `/${part}/to`, message: 'must be after from' }]);
  }
}

export function visibilityQuery(filters: WorkflowListFilters): string {
  const clauses: string[] = [];
  if (filters.type) clauses.push(`WorkflowType = ${quoteLiteral(filters.type)}`);
  if (filters.status) clauses.push(`ExecutionStatus = ${quoteLiteral(STATUS_QUERY_VALUE[filters.status])}`);
  // Normalised to UTC: visibility compares datetimes, and an offset in the literal is one more thing to parse.
  if (filters.from) clauses.push(`StartTime >= ${quoteLiteral(new Date(filters.from).toISOString())}`);
  if (filters.to) clauses.push(`StartTime < ${quoteLiteral(new Date(filters.to).toISOString())}`);
  for (const [filter, attribute] of Object.entries(FILTER_SEARCH_ATTRIBUTES) as [keyof typeof FILTER_SEARCH_ATTRIBUTES, string][]) {
    const value = filters[filter];
    if (value) clauses.push(`${attribute} = ${quoteLiteral(value)}`);
  }
  return clauses.join(' AND ');
}
