/** The console's overview: workflows by type and status, today's route plans, nurturing, mail sent, pending purges. */
import { dashboardResponseSchema } from '../../schemas/dashboard.ts';
import type { ApiDeps } from '../deps.ts';
import { workflowCounts } from '../dashboard/workflow-counts.ts';
import { enrollmentCounts, pendingDeletions, sendsPerDay, todaysRoutePlans } from '../dashboard/records.ts';
import { defineRoute } from './registry.ts';

/** The dashboard lists the soonest purges; the Accounts page (status filter) has them all. */
const PENDING_DELETIONS_SHOWN = 50;

export const dashboardRoutes = ({ temporal, models, config }: ApiDeps) => [
  defineRoute({
    method: 'get',
    path: '/api/dashboard',
    summary: 'The console’s overview: workflow executions by type and status, today’s route plans, enrollments, mail sent per day, accounts awaiting their purge',
    tag: 'dashboard',
    access: { roles: ['ops', 'engineer', 'admin'] },
    responses: { 200: { description: 'the overview', schema: dashboardResponseSchema } },
    async handler() {
      const now = new Date();
      const [workflows, routePlans, enrollments, sends, deletions] = await Promise.all([
        workflowCounts(temporal, config.temporal.namespace, config.temporal.taskQueue),
        todaysRoutePlans(models, now),
        enrollmentCounts(models),
        sendsPerDay(models, now),
        pendingDeletions(models, PENDING_DELETIONS_SHOWN),
      ]);
      return { generatedAt: now.toISOString(), workflows, routePlans, enrollments, sends, pendingDeletions: deletions };
    },
  }),
];
