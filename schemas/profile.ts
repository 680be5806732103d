/** Self-service: a signed-in console user reads and corrects their own personal data, and changes their password. */
import { ROLES } from '../contracts/api-types.ts';
import { PASSWORD_MIN_LENGTH } from './auth.ts';
import { emailSchema } from './common.ts';

/** At least one character that is not white space; leading and trailing spaces are trimmed on saving. */
const nameSchema = { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' } as const;

export const profileSchema = {
  type: 'object',
  required: ['id', 'name', 'email', 'roles'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    email: { type: 'string' },
    roles: { type: 'array', items: { enum: ROLES } },
  },
} as const;

export const profileResponseSchema = { type: 'object', required: ['profile'], properties: { profile: profileSchema } } as const;

export const updateProfileBodySchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'the fields to correct; an email change sends a security alert to the old address',
  properties: { name: nameSchema, email: emailSchema },
} as const;

export const changePasswordBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['currentPassword', 'newPassword'],
  properties: {
    currentPassword: { type: 'string', minLength: 1, maxLength: 1024 },
    newPassword: { type: 'string', minLength: PASSWORD_MIN_LENGTH, maxLength: 1024 },
  },
} as const;
