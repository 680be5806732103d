/** Privacy-policy versions, their acknowledgement by users, and the change notice's progress. */

const version = { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'the version number; each publish must be higher than the last' } as const;

export const publishPolicyBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'effectiveAt', 'summary', 'text'],
  properties: {
    version,
    effectiveAt: { type: 'string', format: 'date-time', description: 'when the version takes effect (ISO 8601 with time zone)' },
    summary: { type: 'string', minLength: 1, maxLength: 4000, description: 'what changes, in plain words: the notice mail carries it' },
    text: { type: 'string', minLength: 1, maxLength: 200_000, description: 'the full text of the policy' },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'optional: hex SHA-256 of `text` (UTF-8); a mismatch is refused' },
  },
} as const;

export const policyVersionParamsSchema = { type: 'object', required: ['version'], properties: { version } } as const;

export const acknowledgePolicyBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: { version: { ...version, description: 'the version the user was shown; it must still be the current one' } },
} as const;

const progressSchema = {
  type: ['object', 'null'],
  properties: {
    total: { type: 'integer' },
    sent: { type: 'integer' },
    alreadySent: { type: 'integer' },
    skipped: { type: 'integer' },
    batches: { type: 'integer' },
    runs: { type: 'integer' },
    done: { type: 'boolean' },
  },
} as const;

export const broadcastSchema = {
  type: ['object', 'null'],
  required: ['workflowId'],
  properties: {
    workflowId: { type: 'string' },
    runId: { type: 'string' },
    status: { type: 'string' },
    progress: progressSchema,
  },
} as const;

export const policyVersionSummarySchema = {
  type: 'object',
  required: ['version', 'effectiveAt', 'summary', 'sha256', 'publishedAt', 'publishedBy'],
  properties: {
    version: { type: 'integer' },
    effectiveAt: { type: 'string', format: 'date-time' },
    summary: { type: 'string' },
    sha256: { type: 'string' },
    publishedAt: { type: 'string', format: 'date-time' },
    publishedBy: { type: 'string' },
  },
} as const;

export const policyVersionSchema = {
  type: 'object',
  required: [...policyVersionSummarySchema.required, 'text'],
  properties: { ...policyVersionSummarySchema.properties, text: { type: 'string' } },
} as const;

export const publishPolicyResponseSchema = {
  type: 'object',
  required: ['version', 'sha256', 'alreadyPublished', 'broadcast'],
  properties: { version: { type: 'integer' }, sha256: { type: 'string' }, alreadyPublished: { type: 'boolean' }, broadcast: broadcastSchema },
} as const;

const acknowledgementSchema = {
  type: 'object',
  required: ['version', 'seenAt', 'acceptedAt'],
  properties: {
    version: { type: 'integer' },
    notifiedAt: { type: ['string', 'null'], format: 'date-time' },
    seenAt: { type: ['string', 'null'], format: 'date-time' },
    acceptedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export const currentPolicyResponseSchema = {
  type: 'object',
  required: ['policy', 'me'],
  properties: { policy: policyVersionSchema, me: acknowledgementSchema },
} as const;

export const acknowledgePolicyResponseSchema = acknowledgementSchema;

const audienceStats = {
  type: 'object',
  required: ['active', 'notified', 'seen', 'accepted'],
  properties: { active: { type: 'integer' }, notified: { type: 'integer' }, seen: { type: 'integer' }, accepted: { type: 'integer' } },
} as const;

export const policyStatsResponseSchema = {
  type: 'object',
  required: ['version', 'users', 'accountOwners', 'broadcast'],
  properties: { version: { type: 'integer' }, users: audienceStats, accountOwners: audienceStats, broadcast: broadcastSchema },
} as const;
