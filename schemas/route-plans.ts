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

export const planVersionParamsSchema = {
  type: 'object',
  required: ['accountId', 'region', 'date', 'version'],
  properties: { accountId, region, date, version: { type: 'integer', minimum: 1 } },
} as const;

const instant = { type: 'string', format: 'date-time' } as const;

/** One stored version of a day's plan, for the console's map and timelines: jobs and technicians by ID only. */
export const planVersionSchema = {
  type: 'object',
  required: ['planId', 'accountId', 'region', 'date', 'version', 'status', 'estimated', 'routes', 'unassigned', 'geometry', 'totals', 'createdAt'],
  properties: {
    planId: { type: 'string' },
    accountId: { type: 'string' },
    region: { type: 'string' },
    date: { type: 'string' },
    version: { type: 'integer' },
    status: { enum: ['draft', 'approved', 'published', 'superseded'] },
    estimated: { type: 'boolean', description: 'durations from the great-circle estimate, not a road network' },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['technicianId', 'stops', 'distanceMeters', 'durationSeconds'],
        properties: {
          technicianId: { type: 'string' },
          departure: instant,
          arrival: instant,
          distanceMeters: { type: 'number' },
          durationSeconds: { type: 'number' },
          stops: {
            type: 'array',
            items: {
              type: 'object',
              required: ['jobId', 'arrival', 'start', 'departure', 'waitSeconds', 'fixed'],
              properties: { jobId: { type: 'string' }, arrival: instant, start: instant, departure: instant, waitSeconds: { type: 'number' }, fixed: { type: 'boolean' } },
            },
          },
        },
      },
    },
    unassigned: {
      type: 'array',
      items: { type: 'object', required: ['jobId', 'reason'], properties: { jobId: { type: 'string' }, reason: { type: 'string', description: 'the solver’s reason code (skills, unreachable, capacity, time_window, no_room, not_profitable) or why the job was not planned' } } },
    },
    geometry: {
      description: 'each technician’s drawn route as an encoded polyline (precision 5); null when none was stored',
      anyOf: [{ type: 'null' }, { type: 'object', required: ['format', 'routes'], properties: { format: { type: 'string' }, routes: { type: 'object', additionalProperties: { type: 'string' } } } }],
    },
    totals: {
      type: 'object',
      properties: { distanceMeters: { type: 'number' }, durationSeconds: { type: 'number' }, travelSeconds: { type: 'number' }, serviceSeconds: { type: 'number' }, waitingSeconds: { type: 'number' } },
    },
    technicians: { type: 'integer' },
    unplaceablePoints: { type: 'integer' },
    approvedBy: { type: 'string' },
    approvedAt: instant,
    createdAt: instant,
  },
} as const;

export const mapSettingsSchema = {
  type: 'object',
  required: ['tileUrl'],
  properties: {
    tileUrl: { type: ['string', 'null'], description: 'a {z}/{x}/{y} tile URL template (MAP_TILE_URL); null: the console draws its map without tiles and asks no third party' },
  },
} as const;
