/** Account cancellation, reactivation and deletion certificates over HTTP. */
export const accountIdParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^acc_[0-9a-f]{32}$' } },
} as const;

export const extendGraceBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['days'],
  properties: { days: { type: 'integer', minimum: 1, maximum: 365, description: 'days added to the grace period' } },
} as const;

export const reactivationBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: { token: { type: 'string', minLength: 10, maxLength: 1000, description: 'the token of the reactivation link mailed to the owner' } },
} as const;

export const certificatesQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { accountId: { type: 'string', pattern: '^acc_[0-9a-f]{32}$' } },
} as const;

export const certificateParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^dc_[0-9a-f]{32}$' } },
} as const;

export const cancellationStateSchema = {
  type: 'object',
  required: ['accountId', 'workflowId', 'phase', 'purgeAt', 'daysRemaining', 'export', 'legalHolds'],
  properties: {
    accountId: { type: 'string' },
    workflowId: { type: 'string' },
    phase: { enum: ['grace', 'held', 'purging', 'purged', 'reactivated'] },
    requestedAt: { type: 'string', format: 'date-time' },
    purgeAt: { type: 'string', format: 'date-time' },
    daysRemaining: { type: 'integer' },
    export: { type: 'object', properties: { status: { enum: ['preparing', 'ready', 'failed'] }, exportId: { type: 'string' }, records: { type: 'integer' } } },
    legalHolds: { type: 'array', items: { type: 'string' } },
    remindersSent: { type: 'array', items: { type: 'integer' } },
    certificateId: { type: 'string' },
  },
} as const;

const personTypes = { enum: ['lead', 'technician'] } as const;
const personId = { type: 'string', pattern: '^[a-z]{3}_[A-Za-z0-9]{1,64}$' } as const;

export const erasureBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['personType', 'personId'],
  properties: { personType: personTypes, personId },
} as const;

export const erasureParamsSchema = {
  type: 'object',
  required: ['id', 'personType', 'personId'],
  properties: { id: { type: 'string', pattern: '^acc_[0-9a-f]{32}$' }, personType: personTypes, personId },
} as const;
