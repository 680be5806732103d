/**
 * Nurturing sequences: the definition (validated as a whole by lib/sequences.ts, which reports every error at once
 * — the JSON Schema checks each step against the schema of its type, then the references between steps and the
 * template variables are checked), and the API's envelopes.
 */
import { WEEKDAYS } from '../workflows/send-window.ts';
import { closingTimeSchema, localTimeSchema } from './common.ts';

export const STEP_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,39}$';
export const EMAIL_CATEGORIES = ['marketing', 'service'] as const;
export const ENGAGEMENT_KINDS = ['opened', 'clicked', 'replied', 'bounced'] as const;
export const BRANCH_ON = ['opened', 'clicked', 'replied'] as const;
export const SEQUENCE_GOALS = ['replied', 'meeting-booked', 'converted'] as const;
/** The variables a template may use, `{{lead.firstName}}`; anything else is refused when the sequence is saved. */
export const TEMPLATE_VARIABLES = ['lead.firstName', 'lead.lastName', 'lead.name', 'lead.company', 'lead.jobTitle', 'sender.name', 'account.name'] as const;

const stepId = { type: 'string', pattern: STEP_ID_PATTERN } as const;

export const sendWindowSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['days', 'start', 'end'],
  properties: {
    days: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: WEEKDAYS } },
    start: localTimeSchema,
    end: closingTimeSchema,
    holidays: { type: 'array', maxItems: 400, uniqueItems: true, items: { type: 'string', format: 'date' }, default: [] },
  },
} as const;

/**
 * New leads (created in the console, through the API or by a CSV import) that match are enrolled automatically.
 * Criteria read only what is not personal data: where the lead came from and its score. `{}` matches every new lead.
 */
export const entryCriteriaSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sources: { type: 'array', minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 100 }, description: 'the lead’s source is one of these (exact match)' },
    minScore: { type: 'integer', minimum: -1000000, maximum: 1000000, description: 'the lead’s score is at least this' },
  },
} as const;

/** The top level; each step is checked against `stepSchemas[step.type]`. */
export const sequenceDefinitionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'steps'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 2000 },
    sendWindow: sendWindowSchema,
    goals: { type: 'array', uniqueItems: true, items: { enum: SEQUENCE_GOALS }, default: ['replied', 'meeting-booked', 'converted'] },
    entryCriteria: entryCriteriaSchema,
    steps: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'object', required: ['id', 'type'], properties: { id: stepId, type: { type: 'string' } } } },
  },
} as const;

export const stepSchemas = {
  email: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'type', 'category', 'subject', 'body'],
    properties: {
      id: stepId,
      type: { const: 'email' },
      category: { enum: EMAIL_CATEGORIES },
      subject: { type: 'string', minLength: 1, maxLength: 300 },
      body: { type: 'string', minLength: 1, maxLength: 20_000, description: 'plain text; links are tracked, `{{variable}}` from TEMPLATE_VARIABLES' },
    },
  },
  wait: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'type', 'duration'],
    properties: { id: stepId, type: { const: 'wait' }, duration: { type: 'string', description: 'ISO-8601 duration (P2D, PT4H) or `next-send-window`' } },
  },
  branch: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'type', 'on', 'within', 'then'],
    properties: {
      id: stepId,
      type: { const: 'branch' },
      on: { enum: BRANCH_ON },
      within: { type: 'string', description: 'ISO-8601 duration after the branch is reached' },
      step: { ...stepId, description: 'the email step whose engagement counts; by default the last email before the branch' },
      then: { ...stepId, description: 'goto when the engagement happened' },
      else: { ...stepId, description: 'goto otherwise; by default the next step' },
    },
  },
  task: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'type', 'title'],
    properties: { id: stepId, type: { const: 'task' }, title: { type: 'string', minLength: 1, maxLength: 300 }, dueIn: { type: 'string', description: 'ISO-8601 duration' } },
  },
} as const;

export const sequenceIdParamsSchema = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^seq_[0-9a-f]{32}$' } } } as const;
export const sequenceVersionParamsSchema = {
  type: 'object',
  required: ['id', 'version'],
  properties: { id: { type: 'string', pattern: '^seq_[0-9a-f]{32}$' }, version: { type: 'integer', minimum: 1 } },
} as const;

/** Create: the account it belongs to and the definition (version 1). */
export const createSequenceBodySchema = {
  type: 'object',
  required: ['accountId', 'definition'],
  properties: {
    accountId: { type: 'string', pattern: '^acc_[0-9a-f]{32}$' },
    definition: { type: 'object', description: 'the sequence definition (validated as a whole; every error is reported)' },
  },
} as const;

export const newVersionBodySchema = {
  type: 'object',
  required: ['definition'],
  properties: { definition: { type: 'object', description: 'the new definition; running enrollments keep their version' } },
} as const;

export const listSequencesQuerySchema = {
  type: 'object',
  required: ['accountId'],
  properties: { accountId: { type: 'string', pattern: '^acc_[0-9a-f]{32}$' } },
} as const;

export const enrollBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['leadId'],
  properties: { leadId: { type: 'string', pattern: '^[a-z]{3}_[A-Za-z0-9]{1,64}$' } },
} as const;

export const enrollmentResponseSchema = {
  type: 'object',
  required: ['workflowId', 'runId', 'accountId', 'leadId', 'sequenceId', 'version', 'existing'],
  properties: {
    workflowId: { type: 'string' },
    runId: { type: 'string' },
    accountId: { type: 'string' },
    leadId: { type: 'string' },
    sequenceId: { type: 'string' },
    version: { type: 'integer' },
    existing: { type: 'boolean', description: 'true when the lead was already enrolled (the running enrollment is returned)' },
  },
} as const;

/** Reply and bounce webhooks: the mail names the Message-ID it answers (In-Reply-To) or bounced. */
export const engagementWebhookBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['messageId'],
  properties: { messageId: { type: 'string', minLength: 3, maxLength: 300 } },
} as const;

/** Any text: a token that is not genuine is refused with 403 (lib/signed-links.ts), not a validation error. */
export const tokenParamsSchema = { type: 'object', required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 4000 } } } as const;

/** What a lead decides in the preference centre (service mail is not a choice: it always goes out). */
export const PREFERENCE_CATEGORIES = ['marketing', 'cookies.analytics', 'cookies.advertising'] as const;
export const preferencesBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: [...PREFERENCE_CATEGORIES],
  properties: Object.fromEntries(PREFERENCE_CATEGORIES.map((c) => [c, { enum: ['granted', 'revoked'] }])) as Record<(typeof PREFERENCE_CATEGORIES)[number], { enum: ['granted', 'revoked'] }>,
} as const;
