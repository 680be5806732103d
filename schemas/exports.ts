import { EXPORT_STATUSES } from '../contracts/exports.ts';

const ID = '^[a-z]{3}_[0-9a-f]{32}$';

export const accountExportParamsSchema = {
  type: 'object',
  required: ['id', 'exportId'],
  properties: { id: { type: 'string', pattern: ID }, exportId: { type: 'string', pattern: '^exp_[0-9a-f]{32}$' } },
} as const;

export const exportIdParamsSchema = {
  type: 'object',
  required: ['exportId'],
  properties: { exportId: { type: 'string', pattern: '^exp_[0-9a-f]{32}$' } },
} as const;

export const downloadQuerySchema = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 1024 } },
} as const;

export const exportSummarySchema = {
  type: 'object',
  required: ['exportId', 'accountId', 'reason', 'status', 'progress', 'createdAt', 'downloadUrl'],
  properties: {
    exportId: { type: 'string' },
    accountId: { type: 'string' },
    reason: { enum: ['portability', 'cancellation'] },
    status: { enum: EXPORT_STATUSES },
    progress: {
      type: 'object',
      required: ['processed', 'total', 'percent'],
      properties: { processed: { type: 'integer' }, total: { type: 'integer' }, percent: { type: 'number' } },
    },
    records: { type: ['integer', 'null'] },
    bytes: { type: ['integer', 'null'], description: 'size of the ZIP' },
    sha256: { type: ['string', 'null'], description: 'SHA-256 of the ZIP' },
    counts: { type: ['object', 'null'], additionalProperties: { type: 'integer' } },
    createdAt: { type: 'string', format: 'date-time' },
    completedAt: { type: ['string', 'null'] },
    expiresAt: { type: ['string', 'null'] },
    downloadUrl: { type: ['string', 'null'], description: 'signed link (path and query) while ready; no sign-in needed' },
  },
} as const;

export const exportListSchema = {
  type: 'object',
  required: ['exports'],
  properties: { exports: { type: 'array', items: exportSummarySchema } },
} as const;

export const startExportResponseSchema = {
  type: 'object',
  required: ['exportId', 'workflowId', 'status'],
  properties: { exportId: { type: 'string' }, workflowId: { type: 'string' }, status: { enum: EXPORT_STATUSES } },
} as const;
