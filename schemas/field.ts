/** Field service over HTTP: technicians' positions (technicians, jobs and plans arrive with route planning). */
export const technicianParamsSchema = {
  type: 'object',
  required: ['technicianId'],
  properties: { technicianId: { type: 'string', pattern: '^[a-z]{3,4}_[A-Za-z0-9]{1,64}$' } },
} as const;

export const POSITIONS_MAX = 500;

export const positionsBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['positions'],
  properties: {
    positions: {
      type: 'array',
      minItems: 1,
      maxItems: POSITIONS_MAX,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['at', 'lat', 'lng'],
        properties: {
          at: { type: 'string', format: 'date-time' },
          lat: { type: 'number', minimum: -90, maximum: 90 },
          lng: { type: 'number', minimum: -180, maximum: 180 },
          accuracy: { type: 'number', minimum: 0, maximum: 100_000, description: 'metres' },
        },
      },
    },
  },
} as const;

export const positionsResponseSchema = {
  type: 'object',
  required: ['accepted', 'rejected'],
  properties: {
    accepted: { type: 'integer' },
    rejected: {
      type: 'array',
      items: { type: 'object', required: ['index', 'reason'], properties: { index: { type: 'integer' }, reason: { enum: ['outside-shift', 'in-the-future'] } } },
    },
  },
} as const;
