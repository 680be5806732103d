/**
 * GET /api/dashboard: the console's overview in one answer. IDs, dates and counts only — no names, no addresses:
 * nothing ops could not already read on the Workflows, Accounts or field pages.
 */
import type { FromSchema } from 'json-schema-to-ts';

const count = { type: 'integer', minimum: 0 } as const;
const instant = { type: 'string', format: 'date-time' } as const;
const day = { type: 'string', format: 'date' } as const;

/** Executions per visibility status; `failed` is Temporal's Failed only (timed out and terminated are their own). */
export const workflowStatusCountsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timedOut', 'continuedAsNew'],
  properties: {
    running: count,
    completed: count,
    failed: count,
    cancelled: count,
    terminated: count,
    timedOut: count,
    continuedAsNew: count,
  },
} as const;

export const dashboardResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['generatedAt', 'workflows', 'routePlans', 'enrollments', 'sends', 'pendingDeletions'],
  properties: {
    generatedAt: instant,
    workflows: {
      type: 'object',
      additionalProperties: false,
      description: 'executions of the engine’s task queue that Temporal’s visibility still holds (its retention), by type and status',
      required: ['taskQueue', 'totals', 'byType'],
      properties: {
        taskQueue: { type: 'string' },
        totals: workflowStatusCountsSchema,
        byType: {
          type: 'array',
          description: 'every workflow type the worker runs, in name order, then `(other)` when executions of types it does not know exist',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'counts'],
            properties: { type: { type: 'string' }, counts: workflowStatusCountsSchema },
          },
        },
      },
    },
    routePlans: {
      type: 'array',
      description: 'the newest version of each region’s plan for today in that region’s own zone (UTC where no technician gives one)',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['planId', 'accountId', 'region', 'date', 'version', 'status', 'technicians', 'assigned', 'unassigned', 'estimated'],
        properties: {
          planId: { type: 'string' },
          accountId: { type: 'string' },
          region: { type: 'string' },
          date: day,
          version: { type: 'integer', minimum: 1 },
          status: { enum: ['draft', 'approved', 'published'] },
          technicians: count,
          assigned: { ...count, description: 'jobs with a stop in a route' },
          unassigned: count,
          estimated: { type: 'boolean', description: 'durations are great-circle estimates, not road times' },
        },
      },
    },
    enrollments: {
      type: 'object',
      additionalProperties: false,
      description: 'lead-nurturing enrollments by status; `completed` counts those that ran out of steps and those that reached their goal',
      required: ['active', 'completed', 'stopped'],
      properties: { active: count, completed: count, stopped: count },
    },
    sends: {
      type: 'object',
      additionalProperties: false,
      description: 'mail the send ledger marked sent, per UTC day; the last day is today',
      required: ['today', 'last7Days', 'days'],
      properties: {
        today: count,
        last7Days: count,
        days: {
          type: 'array',
          minItems: 7,
          maxItems: 7,
          items: { type: 'object', additionalProperties: false, required: ['date', 'sent'], properties: { date: day, sent: count } },
        },
      },
    },
    pendingDeletions: {
      type: 'object',
      additionalProperties: false,
      description: 'accounts in their grace period, the soonest purge first (at most `limit`); labelled by ID, never by name',
      required: ['total', 'items'],
      properties: {
        total: count,
        items: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['accountId', 'purgeAt', 'held'],
            properties: {
              accountId: { type: 'string' },
              requestedAt: instant,
              purgeAt: { ...instant, description: 'when the purge is due; past while a legal hold suspends it or it runs' },
              held: { type: 'boolean', description: 'a legal hold on the account suspends the purge' },
            },
          },
        },
      },
    },
  },
} as const;

export type DashboardResponse = FromSchema<typeof dashboardResponseSchema>;
export type WorkflowStatusCounts = FromSchema<typeof workflowStatusCountsSchema>;
