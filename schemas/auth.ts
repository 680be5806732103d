import type { FromSchema } from 'json-schema-to-ts';
import { ROLES } from '../contracts/api-types.ts';
import { emailSchema } from './common.ts';

export const loginBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'password'],
  properties: { email: emailSchema, password: { type: 'string', minLength: 1, maxLength: 1024 } },
} as const;

export const sessionUserSchema = {
  type: 'object',
  required: ['id', 'email', 'name', 'roles'],
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    roles: { type: 'array', items: { enum: ROLES } },
  },
} as const;

export const userResponseSchema = { type: 'object', required: ['user'], properties: { user: sessionUserSchema } } as const;

export const PASSWORD_MIN_LENGTH = 12;

export const createUserBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'name', 'roles', 'password'],
  properties: {
    email: emailSchema,
    name: { type: 'string', minLength: 1, maxLength: 200 },
    roles: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ROLES } },
    password: { type: 'string', minLength: PASSWORD_MIN_LENGTH, maxLength: 1024 },
  },
} as const;

export const userIdParamsSchema = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^usr_[0-9a-f]{32}$' } } } as const;

export const setRolesBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['roles'],
  properties: { roles: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ROLES } } },
} as const;

export const API_SCOPES = ['accounts:read', 'accounts:write', 'workflows:read', 'consents:read', 'consents:write', 'usage:write', 'positions:write', 'leads:read', 'leads:write', 'engagement:write', 'field:read', 'field:write'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const createTokenBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'scopes'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    scopes: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: API_SCOPES } },
    expiresInDays: { type: 'integer', minimum: 1, maximum: 365, default: 90 },
  },
} as const;

/** GET /api/tokens: every token ever created, newest first; never the secret (only its hash is stored). */
export const apiTokenSummarySchema = {
  type: 'object',
  required: ['id', 'name', 'scopes', 'createdBy', 'createdAt', 'expiresAt', 'revokedAt', 'lastUsedAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { enum: API_SCOPES } },
    createdBy: { type: 'string', description: 'the user ID of its creator' },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: ['string', 'null'], format: 'date-time' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
    lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export const tokenListResponseSchema = { type: 'object', required: ['tokens'], properties: { tokens: { type: 'array', items: apiTokenSummarySchema } } } as const;
export type ApiTokenSummary = FromSchema<typeof apiTokenSummarySchema>;

export const createTokenResponseSchema = {
  type: 'object',
  required: ['id', 'token', 'scopes', 'expiresAt'],
  properties: {
    id: { type: 'string' },
    token: { type: 'string', description: 'shown once; send as `Authorization: Bearer <token>`' },
    scopes: { type: 'array', items: { enum: API_SCOPES } },
    expiresAt: { type: 'string', format: 'date-time' },
  },
} as const;
