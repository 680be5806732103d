/**
 * Leads of a customer account: what the API accepts (create, change, list, CSV import) and answers. The CSV import
 * validates every row with `leadFieldsSchema`, the same schema as a create — one rule for both ways in.
 */
import { emailSchema } from './common.ts';

export const LEAD_STATUS_VALUES = ['new', 'nurturing', 'qualified', 'converted', 'lost'] as const;

const accountId = { type: 'string', pattern: '^acc_[0-9a-f]{32}$' } as const;
const leadId = { type: 'string', pattern: '^led_[0-9a-f]{32}$' } as const;
const userId = { type: 'string', pattern: '^usr_[0-9a-f]{32}$', description: 'a console user (usr_…), the sales rep who owns the lead' } as const;
/** E.164 allows 15 digits; separators (spaces, dots, dashes, brackets) are accepted and ignored by look-ups. */
const phone = { type: 'string', maxLength: 32, pattern: '^\\+?(?:[ ().-]*[0-9]){5,15}[ ().-]*$', description: 'a phone number, e.g. +81 3 1234 5678' } as const;
const timeZone = { type: 'string', format: 'iana-time-zone', description: 'the lead’s IANA time zone (e.g. Asia/Tokyo): mail goes out in its business hours; stored as Intl spells it' } as const;
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const score = { type: 'integer', minimum: 0, maximum: 100, description: 'lead score, 0–100' } as const;

export const leadAccountParamsSchema = { type: 'object', required: ['accountId'], properties: { accountId } } as const;
export const leadParamsSchema = { type: 'object', required: ['accountId', 'leadId'], properties: { accountId, leadId } } as const;

/** The fields of a new lead (the body of a create, one row of an import). */
export const leadFieldsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: text(200),
    email: { ...emailSchema, description: 'unique within the account (compared trimmed and lower-cased); a second lead with it is refused, not merged' },
    phone,
    company: text(200),
    jobTitle: text(200),
    notes: { type: 'string', maxLength: 2000 },
    timeZone: { ...timeZone, default: 'UTC' },
    source: { ...text(100), description: 'where the lead came from, e.g. web-form, fair-2025, csv-import' },
    ownerUserId: userId,
    score: { ...score, default: 0 },
  },
} as const;

export const createLeadBodySchema = leadFieldsSchema;

/** A change: only the fields sent change; null clears an optional field. `status` moves along the pipeline. */
export const updateLeadBodySchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: text(200),
    email: { anyOf: [emailSchema, { type: 'null' }] },
    phone: { anyOf: [phone, { type: 'null' }] },
    company: { anyOf: [text(200), { type: 'null' }] },
    jobTitle: { anyOf: [text(200), { type: 'null' }] },
    notes: { anyOf: [{ type: 'string', maxLength: 2000 }, { type: 'null' }] },
    timeZone,
    source: { anyOf: [text(100), { type: 'null' }] },
    ownerUserId: { anyOf: [userId, { type: 'null' }] },
    score,
    status: { enum: LEAD_STATUS_VALUES, description: 'new → nurturing → qualified → converted; lost from any open stage. Other moves answer 409 naming the allowed ones' },
  },
} as const;

export const listLeadsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { enum: LEAD_STATUS_VALUES },
    ownerUserId: userId,
    email: { ...emailSchema, description: 'exact address (any case): found through the blind index' },
    phone: { ...phone, description: 'exact number (separators ignored): found through the blind index' },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    cursor: { type: 'string', pattern: '^[0-9]{1,15}\\.led_[0-9a-f]{32}$', description: 'the previous page’s nextCursor' },
  },
} as const;

export const leadSchema = {
  type: 'object',
  required: ['id', 'accountId', 'name', 'timeZone', 'status', 'score', 'createdAt', 'updatedAt'],
  properties: {
    id: leadId,
    accountId,
    name: { type: 'string' },
    email: { type: 'string' },
    phone: { type: 'string' },
    company: { type: 'string' },
    jobTitle: { type: 'string' },
    notes: { type: 'string' },
    timeZone: { type: 'string' },
    status: { enum: LEAD_STATUS_VALUES },
    source: { type: 'string' },
    ownerUserId: { type: 'string' },
    score: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const leadListResponseSchema = {
  type: 'object',
  required: ['leads', 'nextCursor'],
  properties: { leads: { type: 'array', items: leadSchema }, nextCursor: { type: ['string', 'null'] } },
} as const;

/** Limits of one CSV import (README, Leads). */
export const LEAD_IMPORT_MAX_ROWS = 100_000;
export const LEAD_IMPORT_MAX_BYTES = 64 * 1024 * 1024;

export const leadImportReportSchema = {
  type: 'object',
  required: ['rows', 'imported', 'rejected'],
  properties: {
    rows: { type: 'integer', description: 'data rows read (the header not counted)' },
    imported: { type: 'integer', description: 'leads stored' },
    rejected: {
      type: 'array',
      description: 'every row not imported, in file order, with every failing field; never the values',
      items: {
        type: 'object',
        required: ['line', 'errors'],
        properties: {
          line: { type: 'integer', description: 'line in the file (the header is line 1)' },
          errors: { type: 'array', items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } } },
          duplicateOfLine: { type: 'integer', description: 'the row has the address of this earlier line of the file' },
          existingLeadId: { type: 'string', description: 'the row has the address of this stored lead' },
        },
      },
    },
  },
} as const;
