import { CONSENT_CATEGORIES, CONSENT_SOURCES, CONSENT_SUBJECT_TYPES } from '../models/consent.ts';

const accountId = { type: 'string', pattern: '^acc_[0-9a-f]{32}$' } as const;
const opaqueId = { type: 'string', pattern: '^[a-z]{3}_[A-Za-z0-9]{1,64}$', description: 'an opaque ID such as led_…, tec_…, usr_…' } as const;

export const consentChangeBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['accountId', 'subjectType', 'subjectId', 'category', 'granted', 'policyVersion', 'source'],
  properties: {
    accountId,
    subjectType: { enum: CONSENT_SUBJECT_TYPES },
    subjectId: opaqueId,
    category: { enum: CONSENT_CATEGORIES },
    granted: { type: 'boolean' },
    policyVersion: { type: 'string', minLength: 1, maxLength: 40 },
    source: { enum: CONSENT_SOURCES },
  },
} as const;

export const consentSubjectParamsSchema = {
  type: 'object',
  required: ['accountId', 'subjectType', 'subjectId'],
  properties: { accountId, subjectType: { enum: CONSENT_SUBJECT_TYPES }, subjectId: opaqueId },
} as const;

export const placeHoldBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['accountId', 'reference'],
  properties: {
    accountId,
    subject: { type: 'object', additionalProperties: false, required: ['type', 'id'], properties: { type: { enum: CONSENT_SUBJECT_TYPES }, id: opaqueId } },
    reference: { type: 'string', minLength: 1, maxLength: 100, description: 'a case reference, never a person’s name' },
  },
} as const;

export const holdParamsSchema = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^hld_[0-9a-f]{32}$' } } } as const;
export const holdsQuerySchema = { type: 'object', additionalProperties: false, required: ['accountId'], properties: { accountId } } as const;

export const processorBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'purpose', 'dataCategories', 'location'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    purpose: { type: 'string', minLength: 1, maxLength: 500 },
    dataCategories: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 100 } },
    location: { type: 'string', minLength: 2, maxLength: 100 },
    contractSignedAt: { type: 'string', format: 'date' },
  },
} as const;

export const auditListQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 }, before: { type: 'integer', minimum: 1 } },
} as const;
