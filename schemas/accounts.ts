import { emailSchema } from './common.ts';
import { ACCOUNT_STATUSES } from '../models/account.ts';

export const createAccountBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'owner'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200, description: 'the company or team name' },
    owner: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'email'],
      properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, email: emailSchema },
    },
  },
} as const;

export const createAccountResponseSchema = {
  type: 'object',
  required: ['accountId', 'workflowId', 'runId'],
  properties: { accountId: { type: 'string' }, workflowId: { type: 'string' }, runId: { type: 'string' } },
} as const;

export const accountSchema = {
  type: 'object',
  required: ['id', 'name', 'status', 'onboarding', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    status: { enum: ACCOUNT_STATUSES },
    onboarding: { type: 'object', properties: { status: { type: 'string' }, state: { type: 'string' } } },
    createdAt: { type: 'string', format: 'date-time' },
    cancellation: {
      type: 'object',
      description: 'the grace period a cancellation requested now would get, and the current one’s dates',
      properties: {
        graceDays: { type: 'integer' },
        requestedAt: { type: 'string', format: 'date-time' },
        purgeAt: { type: 'string', format: 'date-time' },
        certificateId: { type: 'string' },
      },
    },
  },
} as const;

/** GET /api/accounts: newest first, a page at a time; `cursor` is the previous page's `nextCursor`. */
export const listAccountsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { enum: ACCOUNT_STATUSES },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    cursor: { type: 'string', pattern: '^[0-9]{1,15}\\.acc_[0-9a-f]{32}$', description: 'the nextCursor of the previous page' },
  },
} as const;

export const accountListResponseSchema = {
  type: 'object',
  required: ['accounts', 'nextCursor'],
  properties: {
    accounts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'status', 'createdAt'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          status: { enum: ACCOUNT_STATUSES },
          onboarding: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
          purgeAt: { type: 'string', format: 'date-time' },
        },
      },
    },
    nextCursor: { type: ['string', 'null'] },
  },
} as const;
