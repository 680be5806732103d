import { Context } from '@temporalio/activity';
import type { Models } from '../../models/index.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';

/**
 * Workflow milestones in the audit log. The key (workflow ID + milestone) makes a retried activity find its
 * earlier entry instead of writing a second one.
 */
export function createAuditActivities({ models }: { models: Models }) {
  const audit = createAuditLog(models.AuditEntry);
  return {
    async recordMilestone(target: { type: string; id: string }, milestone: string): Promise<number> {
      const { workflowId, runId } = Context.current().info.workflowExecution ?? {};
      return audit.appendOnce(`${workflowId}:${milestone}`, { actor: { kind: 'system', id: workflowId }, action: `workflow.${milestone}`, target, details: { runId } });
    },
  };
}
