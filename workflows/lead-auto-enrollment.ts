/**
 * Automatic enrollment of new leads: for one created lead, or every lead of a CSV import, page by page, enrol each
 * lead in every sequence whose entry criteria it matches. Each enrollment is its own LeadNurturing workflow (ID from
 * lead and sequence), started as an abandoned child so it outlives this one; a lead already enrolled in a sequence
 * (by hand, or by an earlier run of this workflow) is left alone. Continues as new after each page.
 */
import { continueAsNew, ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.ts';
import type { AutoEnrollmentResult, AutoEnrollmentScope, StartedEnrollment } from '../contracts/nurturing.ts';
import { workflowIds } from '../contracts/workflow-ids.ts';
import { accountIdKey, leadIdKey, sequenceIdKey } from '../lib/search-attributes.ts';
import { leadNurturing } from './lead-nurturing.ts';

const { autoEnrollmentPage, recordAutoEnrollments } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });

export const AUTO_ENROLLMENT_PAGE = 200;

export interface AutoEnrollmentInput {
  scope: AutoEnrollmentScope;
  /** Set by continue-as-new only: the last lead done, and the counts so far. */
  after?: string;
  done?: AutoEnrollmentResult;
}

export async function leadAutoEnrollment({ scope, after, done }: AutoEnrollmentInput): Promise<AutoEnrollmentResult> {
  const result: AutoEnrollmentResult = { ...(done ?? { leads: 0, enrolled: 0, alreadyEnrolled: 0 }) };
  const page = await autoEnrollmentPage(scope, after ?? null, AUTO_ENROLLMENT_PAGE);
  result.leads += page.leads;
  const started = await Promise.all(
    page.matches.map(async ({ leadId, sequenceId, version, plan }): Promise<StartedEnrollment | null> => {
      const workflowId = workflowIds.leadNurturing(scope.accountId, leadId, sequenceId);
      try {
        const child = await startChild(leadNurturing, {
          workflowId,
          args: [{ accountId: scope.accountId, leadId, sequenceId, version, plan }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [
            { key: accountIdKey, value: scope.accountId },
            { key: leadIdKey, value: leadId },
            { key: sequenceIdKey, value: sequenceId },
          ],
        });
        return { workflowId, runId: child.firstExecutionRunId, accountId: scope.accountId, leadId, sequenceId, version };
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        return null;
      }
    }),
  );
  const fresh = started.filter((s): s is StartedEnrollment => s !== null);
  await recordAutoEnrollments(fresh);
  result.enrolled += fresh.length;
  result.alreadyEnrolled += started.length - fresh.length;
  if (page.next) return continueAsNew<typeof leadAutoEnrollment>({ scope, after: page.next, done: result });
  return result;
}
