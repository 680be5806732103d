/**
 * Field service: technicians and jobs of a customer account. Names, phone numbers, addresses and coordinates
 * are personal data (stored encrypted, models/technician.ts and models/job.ts); positions are in schemas/field.ts.
 */
import { JOB_PRIORITIES, JOB_STATUSES } from '../models/job.ts';
import { UNAVAILABILITY_REASONS } from '../models/technician.ts';
import { closingTimeSchema, emailSchema, localTimeSchema } from './common.ts';

const ID = '^[a-z]{3}_[0-9a-f]{32}$';

export const locationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['lat', 'lng'],
  properties: {
    lat: { type: 'number', minimum: -90, maximum: 90 },
    lng: { type: 'number', minimum: -180, maximum: 180 },
    label: { type: 'string', maxLength: 300, description: 'an address or a name for the place' },
  },
} as const;

const skills = { type: 'array', maxItems: 50, uniqueItems: true, items: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,39}$' } } as const;
const region = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'the planning region, e.g. berlin-north' } as const;
const date = { type: 'string', format: 'date', description: 'the local day (YYYY-MM-DD)' } as const;

export const shiftSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['start', 'end', 'timeZone'],
  properties: {
    start: localTimeSchema,
    end: closingTimeSchema,
    timeZone: { type: 'string', format: 'iana-time-zone', description: 'IANA zone of the shift’s local times, e.g. Europe/Berlin' },
    workingDays: { type: 'array', minItems: 1, maxItems: 7, uniqueItems: true, items: { type: 'integer', minimum: 1, maximum: 7 }, description: 'ISO weekdays, 1 = Monday; default Monday–Friday' },
  },
} as const;

const technicianFields = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  email: emailSchema,
  phone: { type: 'string', pattern: '^\\+?[0-9 ()./-]{3,32}$' },
  region,
  skills,
  shift: shiftSchema,
  startLocation: locationSchema,
  endLocation: { description: 'where the day ends; omitted = the route ends at the last stop', anyOf: [locationSchema, { type: 'null' }] },
  active: { type: 'boolean' },
} as const;

export const createTechnicianBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'region', 'shift', 'startLocation'],
  properties: technicianFields,
} as const;

export const updateTechnicianBodySchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: technicianFields,
} as const;

export const technicianSchema = {
  type: 'object',
  required: ['id', 'accountId', 'region', 'name', 'skills', 'shift', 'startLocation', 'active', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    accountId: { type: 'string' },
    region: { type: 'string' },
    name: { type: 'string' },
    email: { type: 'string' },
    phone: { type: 'string' },
    skills: { type: 'array', items: { type: 'string' } },
    shift: shiftSchema,
    startLocation: locationSchema,
    endLocation: locationSchema,
    active: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const timeWindowSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['start', 'end'],
  properties: { start: { type: 'string', format: 'date-time' }, end: { type: 'string', format: 'date-time' } },
  description: 'when service may start (instants with offset); end after start',
} as const;

const jobFields = {
  region,
  date,
  customer: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, phone: { type: 'string', pattern: '^\\+?[0-9 ()./-]{3,32}$' } },
  },
  location: locationSchema,
  notes: { type: 'string', maxLength: 2000 },
  timeWindows: { type: 'array', maxItems: 10, items: timeWindowSchema, description: 'none = any time within a shift' },
  serviceMinutes: { type: 'integer', minimum: 0, maximum: 1440 },
  requiredSkills: skills,
  priority: { enum: JOB_PRIORITIES, description: 'must: a plan leaves it out only when it cannot be done; optional: done if it fits' },
  status: { enum: JOB_STATUSES },
  technicianId: { type: 'string', pattern: ID, description: 'who does (or did) it; set by the planner or when work starts' },
  startedAt: { type: 'string', format: 'date-time' },
  completedAt: { type: 'string', format: 'date-time' },
} as const;

export const createJobBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['region', 'date', 'customer', 'location', 'serviceMinutes'],
  properties: jobFields,
} as const;

export const updateJobBodySchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: jobFields,
} as const;

export const jobSchema = {
  type: 'object',
  required: ['id', 'accountId', 'region', 'date', 'customer', 'location', 'timeWindows', 'serviceMinutes', 'requiredSkills', 'priority', 'status', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    accountId: { type: 'string' },
    region: { type: 'string' },
    date: { type: 'string' },
    customer: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, phone: { type: 'string' } } },
    location: locationSchema,
    notes: { type: 'string' },
    timeWindows: { type: 'array', items: timeWindowSchema },
    serviceMinutes: { type: 'integer' },
    requiredSkills: { type: 'array', items: { type: 'string' } },
    priority: { enum: JOB_PRIORITIES },
    status: { enum: JOB_STATUSES },
    technicianId: { type: 'string' },
    startedAt: { type: 'string', format: 'date-time' },
    completedAt: { type: 'string', format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const accountParamsSchema = {
  type: 'object',
  required: ['accountId'],
  properties: { accountId: { type: 'string', pattern: ID } },
} as const;

export const jobParamsSchema = {
  type: 'object',
  required: ['jobId'],
  properties: { jobId: { type: 'string', pattern: ID } },
} as const;

const page = {
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  cursor: { type: 'string', pattern: ID, description: 'the previous page’s nextCursor' },
} as const;

export const listTechniciansQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { region, active: { type: 'boolean' }, ...page },
} as const;

export const listJobsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { region, date, status: { enum: JOB_STATUSES }, ...page },
} as const;

export const technicianListSchema = {
  type: 'object',
  required: ['technicians', 'nextCursor'],
  properties: { technicians: { type: 'array', items: technicianSchema }, nextCursor: { type: ['string', 'null'] } },
} as const;

export const jobListSchema = {
  type: 'object',
  required: ['jobs', 'nextCursor'],
  properties: { jobs: { type: 'array', items: jobSchema }, nextCursor: { type: ['string', 'null'] } },
} as const;

const unavailabilityReason = { enum: UNAVAILABILITY_REASONS, description: 'why, as a category only (no health or private details)' } as const;

export const technicianUnavailableBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: {
    reason: unavailabilityReason,
    from: { type: 'string', format: 'date-time', description: 'no new stops from this instant; omitted = none at all that day (done and in-progress stops stay)' },
    date: { ...date, description: 'the technician’s local day; omitted = the day of `from`, or today, in the technician’s zone' },
  },
} as const;

export const technicianUnavailableSchema = {
  type: 'object',
  required: ['technicianId', 'date', 'reason', 'signalled'],
  properties: {
    technicianId: { type: 'string' },
    date: { type: 'string' },
    from: { type: 'string', format: 'date-time' },
    reason: unavailabilityReason,
    signalled: { type: 'boolean', description: 'whether a planning day of the technician’s region was running and re-plans now (else the next plan takes it in)' },
  },
} as const;
