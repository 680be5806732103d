/** Route planning days over HTTP: start one on demand, follow it, approve or re-plan. */
const accountId = { type: 'string', pattern: '^acc_[0-9a-f]{32}$' } as const;
const region = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const date = { type: 'string', format: 'date' } as const;

export const planningDayParamsSchema = {
  type: 'object',
  required: ['accountId', 'region', 'date'],
  properties: { accountId, region, date },
} as const;

export const accountOnlyParamsSchema = { type: 'object', required: ['accountId'], properties: { accountId } } as const;

export const startPlanningBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['region', 'date'],
  properties: { region, date },
} as const;

export const approvePlanBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: { version: { type: 'integer', minimum: 1, description: 'the draft version the dispatcher reviewed' } },
} as const;
