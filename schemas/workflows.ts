import { WORKFLOW_STATUSES } from '../contracts/api-types.ts';

/**
 * The list's filters, shared by the query string and saved views. Every value is pattern- or format-checked, and the
 * visibility query quotes it besides (api/workflow-query.ts): nothing a caller sends reaches Temporal unchecked.
 */
export const workflowFilterProperties = {
  type: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,99}$' },
  status: { enum: WORKFLOW_STATUSES.filter((s) => s !== 'UNKNOWN') },
  from: { type: 'string', format: 'date-time', description: 'started at or after' },
  to: { type: 'string', format: 'date-time', description: 'started before' },
  account: { type: 'string', pattern: '^acc_[0-9a-f]{32}$', description: 'search attribute LoroAccountId' },
  lead: { type: 'string', pattern: '^led_[0-9a-f]{32}$', description: 'search attribute LoroLeadId' },
  region: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'search attribute LoroRegion' },
  date: { type: 'string', format: 'date', description: 'search attribute LoroPlanDate (YYYY-MM-DD)' },
} as const;

export const workflowFiltersSchema = {
  type: 'object',
  additionalProperties: false,
  properties: workflowFilterProperties,
} as const;

export const listWorkflowsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pageSize: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    nextPageToken: { type: 'string', maxLength: 4096 },
    ...workflowFilterProperties,
  },
} as const;

export const workflowSummarySchema = {
  type: 'object',
  required: ['workflowId', 'runId', 'type', 'status', 'startTime', 'closeTime', 'taskQueue', 'temporalUiUrl'],
  properties: {
    workflowId: { type: 'string' },
    runId: { type: 'string' },
    type: { type: 'string' },
    status: { enum: WORKFLOW_STATUSES },
    startTime: { type: 'string', format: 'date-time' },
    closeTime: { type: ['string', 'null'] },
    taskQueue: { type: 'string' },
    temporalUiUrl: { type: ['string', 'null'] },
    searchAttributes: { type: 'object', description: 'the LORO business keys it carries (opaque IDs)', additionalProperties: { type: 'string' } },
  },
} as const;

export const workflowPageSchema = {
  type: 'object',
  required: ['executions', 'nextPageToken'],
  properties: { executions: { type: 'array', items: workflowSummarySchema }, nextPageToken: { type: ['string', 'null'] } },
} as const;
