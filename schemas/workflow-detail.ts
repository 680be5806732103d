/** The workflow monitor's detail, history and actions (api/routes/workflow-detail.ts). */
import { WORKFLOW_STATUSES } from '../contracts/api-types.ts';

const isoOrNull = { type: ['string', 'null'] } as const;
/** Temporal's run IDs are UUIDs. */
const runIdSchema = { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' } as const;

export const workflowIdParamsSchema = {
  type: 'object',
  required: ['workflowId'],
  properties: { workflowId: { type: 'string', minLength: 1, maxLength: 1000 } },
} as const;

export const workflowRunQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { runId: runIdSchema },
} as const;

export const workflowHistoryQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    runId: runIdSchema,
    download: { enum: ['1', 'true'], description: 'answer as a JSON file (Content-Disposition: attachment)' },
  },
} as const;

/** A reason a person writes: it goes to the audit log, so it must say something. */
const reasonSchema = { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S', description: 'why: recorded in the audit log (never sent to Temporal in clear)' } as const;

export const workflowSignalBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'reason'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.:-]{0,99}$' },
    args: { type: 'array', maxItems: 10, description: 'the signal’s arguments (JSON); encrypted like every payload, never audited' },
    reason: reasonSchema,
    runId: runIdSchema,
  },
} as const;

export const workflowActionBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason: reasonSchema, runId: runIdSchema },
} as const;

export const workflowResetBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: {
    reason: reasonSchema,
    runId: runIdSchema,
    eventId: { type: 'integer', minimum: 1, description: 'a WorkflowTaskCompleted (or …Failed, …TimedOut) event of that run; default: the last completed workflow task' },
    requestId: { ...runIdSchema, description: 'a UUID the caller picks per reset: a retry with the same one answers the first reset instead of resetting again' },
  },
} as const;

export const workflowActionResultSchema = {
  type: 'object',
  required: ['workflowId', 'runId', 'action', 'auditSeq'],
  properties: {
    workflowId: { type: 'string' },
    runId: { type: 'string' },
    action: { enum: ['signal', 'cancel', 'terminate', 'reset'] },
    auditSeq: { type: 'integer' },
    newRunId: { type: 'string', description: 'reset: the run it created' },
    eventId: { type: 'integer', description: 'reset: the workflow task event it reset to' },
  },
} as const;

const refSchema = {
  type: 'object',
  required: ['workflowId', 'runId'],
  properties: { workflowId: { type: 'string' }, runId: { type: ['string', 'null'] } },
} as const;

export const workflowDetailSchema = {
  type: 'object',
  required: ['workflowId', 'runId', 'type', 'status', 'startTime', 'closeTime', 'taskQueue', 'searchAttributes', 'parent', 'children', 'pendingActivities', 'summary', 'temporalUiUrl'],
  properties: {
    workflowId: { type: 'string' },
    runId: { type: 'string' },
    type: { type: 'string' },
    status: { enum: WORKFLOW_STATUSES },
    startTime: { type: 'string' },
    executionTime: isoOrNull,
    closeTime: isoOrNull,
    taskQueue: { type: 'string' },
    historyLength: { type: 'integer' },
    searchAttributes: { type: 'object', description: 'opaque IDs only' },
    parent: { oneOf: [refSchema, { type: 'null' }] },
    children: {
      type: 'array',
      items: { type: 'object', required: ['workflowId', 'runId', 'type', 'status'], properties: { ...refSchema.properties, type: { type: 'string' }, status: { enum: WORKFLOW_STATUSES } } },
    },
    pendingActivities: {
      type: 'array',
      items: {
        type: 'object',
        required: ['activityId', 'type', 'state', 'attempt', 'lastFailure'],
        properties: {
          activityId: { type: 'string' },
          type: { type: 'string' },
          state: { type: 'string' },
          attempt: { type: 'integer' },
          maximumAttempts: { type: 'integer' },
          scheduledTime: isoOrNull,
          lastStartedTime: isoOrNull,
          lastHeartbeatTime: isoOrNull,
          nextAttemptScheduleTime: isoOrNull,
          lastFailure: {
            type: ['object', 'null'],
            description: 'message decoded for engineers and admins; null and redacted for others',
            properties: { type: { type: ['string', 'null'] }, message: { type: ['string', 'null'] }, redacted: { type: 'boolean' } },
          },
        },
      },
    },
    summary: {
      type: ['object', 'null'],
      description: 'the business summary from the workflow’s own state query, when its type has one',
      properties: {
        query: { type: 'string' },
        headline: { type: 'string' },
        facts: { type: 'array', items: { type: 'object', properties: { label: { type: 'string' }, value: { type: 'string' } } } },
        state: {},
      },
    },
    summaryError: { type: ['string', 'null'] },
    temporalUiUrl: { type: ['string', 'null'] },
  },
} as const;

export const workflowHistorySchema = {
  type: 'object',
  required: ['workflowId', 'runId', 'decoded', 'events'],
  properties: {
    workflowId: { type: 'string' },
    runId: { type: 'string' },
    decoded: { type: 'boolean', description: 'true: payloads decoded (engineers, admins); false: each replaced by { $redacted, bytes }' },
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['eventId', 'eventType', 'eventTime', 'attributes'],
        properties: { eventId: { type: 'integer' }, eventType: { type: 'string' }, eventTime: isoOrNull, attributes: { type: 'object' } },
      },
    },
  },
} as const;
