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
  },
} as const;
