import { WORKFLOW_STATUSES } from '../contracts/api-types.ts';

export const listWorkflowsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pageSize: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    nextPageToken: { type: 'string', maxLength: 4096 },
    type: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,99}$' },
    status: { enum: WORKFLOW_STATUSES.filter((s) => s !== 'UNKNOWN') },
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
  },
} as const;

export const workflowPageSchema = {
  type: 'object',
  required: ['executions', 'nextPageToken'],
  properties: { executions: { type: 'array', items: workflowSummarySchema }, nextPageToken: { type: ['string', 'null'] } },
} as const;
