/** Saved views of the workflow list, shared by the team (api/routes/workflow-views.ts). */
import { workflowFiltersSchema } from './workflows.ts';

const viewSchema = {
  type: 'object',
  required: ['id', 'name', 'filters', 'createdBy', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    filters: workflowFiltersSchema,
    createdBy: { type: 'string', description: 'user ID' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const workflowViewSchema = viewSchema;

export const workflowViewListSchema = {
  type: 'object',
  required: ['views'],
  properties: { views: { type: 'array', items: viewSchema } },
} as const;

export const createWorkflowViewBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'filters'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 80, pattern: '\\S' },
    filters: workflowFiltersSchema,
  },
} as const;

export const workflowViewParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^wfv_[0-9a-f]{32}$' } },
} as const;
