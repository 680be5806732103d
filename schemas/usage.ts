/** Usage events sent by the CRM front end: the batch envelope, one event, and the daily aggregates query. */
const accountId = { type: 'string', pattern: '^acc_[0-9a-f]{32}$' } as const;

export const USAGE_BATCH_MAX = 1000;
/** Pages are stored as a path only (no query string, no fragment), cut to this length. */
export const USAGE_PAGE_MAX = 512;

export const usageEventSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['accountId', 'userId', 'at', 'ip', 'userAgent', 'page', 'action'],
  properties: {
    id: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.:-]{8,64}$',
      description: 'the client’s ID of this event (e.g. a UUID), unique within the account: an event sent again with the same ID — a retry — is counted once. Without it the event’s content is its identity (see README, usage events)',
    },
    accountId,
    userId: { type: 'string', pattern: '^[a-z]{3}_[A-Za-z0-9]{1,64}$', description: 'an opaque user ID such as usr_…' },
    at: { type: 'string', format: 'date-time' },
    ip: { type: 'string', minLength: 2, maxLength: 64, description: 'the client address; only its /24 (IPv4) or /48 (IPv6) prefix is stored' },
    userAgent: { type: 'string', maxLength: 2048, description: 'parsed into browser, OS and device; never stored' },
    page: { type: 'string', minLength: 1, maxLength: 4096, description: 'the page path; query string and fragment are dropped' },
    action: { type: 'string', pattern: '^[a-z][a-z0-9_.:-]{0,63}$' },
  },
} as const;

export const usageBatchBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['events'],
  properties: {
    events: { type: 'array', minItems: 1, maxItems: USAGE_BATCH_MAX, items: { type: 'object', description: 'a usage event (validated one by one: see usageEventSchema)' } },
  },
} as const;

export const usageIngestResponseSchema = {
  type: 'object',
  required: ['accepted', 'duplicates', 'rejected'],
  properties: {
    accepted: { type: 'integer', description: 'events stored by this request or already stored by an earlier one (a retry)' },
    duplicates: { type: 'integer', description: 'how many of the accepted events were already stored: not counted again' },
    rejected: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'errors'],
        properties: {
          index: { type: 'integer' },
          errors: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
  },
} as const;

export const usageDailyQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['accountId'],
  properties: {
    accountId,
    from: { type: 'string', format: 'date', description: 'first day (UTC), inclusive' },
    to: { type: 'string', format: 'date', description: 'last day (UTC), inclusive' },
  },
} as const;

/** On-demand roll-up: no body → the incremental roll-up; `from`/`to` → those whole days recomputed from the raw events now. */
export const usageRollUpBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', format: 'date', description: 'first day (UTC) to recompute, inclusive' },
    to: { type: 'string', format: 'date', description: 'last day (UTC) to recompute, inclusive (at most 30 days after from; both or neither)' },
  },
} as const;
