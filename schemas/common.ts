/** JSON Schemas: the one source for request validation, the TypeScript types (FromSchema) and the OpenAPI document. */
export const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;

/** A local wall-clock time. */
export const localTimeSchema = { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, local time' } as const;
/** A closing time: also `24:00`, the midnight that ends the day, so an all-day window or shift has no gap before it. */
export const closingTimeSchema = { type: 'string', pattern: '^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$', description: 'HH:MM, local time; 24:00 is the midnight that ends the day' } as const;

export const emailSchema = { type: 'string', format: 'email', maxLength: 254 } as const;
export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[a-z]{3}_[0-9a-f]{32}$' } },
} as const;
