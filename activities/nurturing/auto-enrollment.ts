/**
 * The I/O of automatic enrollment (workflows/lead-auto-enrollment.ts): pages of new leads with the sequences each
 * matches — IDs only — and the enrollment records of the enrollments the workflow started.
 */
import type { Models } from '../../models/index.ts';
import { autoSequences, matchesEntry } from '../../lib/leads/entry-criteria.ts';
import { planOf } from '../../lib/sequences.ts';
import type { AutoEnrollmentPage, AutoEnrollmentScope, StartedEnrollment } from '../../contracts/nurturing.ts';

export function createAutoEnrollmentActivities({ models }: { models: Models }) {
  return {
    /** The next `limit` leads of the scope (by ID, after `after`) and the auto-enrolling sequences each matches. */
    async autoEnrollmentPage(scope: AutoEnrollmentScope, after: string | null, limit: number): Promise<AutoEnrollmentPage> {
      const sequences = await autoSequences(models, scope.accountId);
      if (!sequences.length) return { matches: [], leads: 0, next: null };
      const filter: Record<string, unknown> = { accountId: scope.accountId, ...('leadId' in scope ? { _id: scope.leadId } : { importId: scope.importId }) };
      if (after) filter._id = { $gt: after };
      // Source and score for the criteria, the zone for the plan: no personal data is read, so none is decrypted.
      const leads = await models.Lead.find(filter, { source: 1, score: 1, status: 1, timeZone: 1 }).sort({ _id: 1 }).limit(limit).lean();
      const matches = leads
        .filter((l) => l.status === 'new')
        .flatMap((l) =>
          sequences.filter((s) => matchesEntry(s.criteria, l)).map((s) => ({ leadId: l._id, sequenceId: s.sequenceId, version: s.version, plan: planOf(s.definition, l.timeZone) })),
        );
      return { matches, leads: leads.length, next: leads.length === limit ? leads.at(-1)!._id : null };
    },

    /** Records the started enrollments; a record the enrollment itself already wrote (it ended first) is kept. */
    async recordAutoEnrollments(started: StartedEnrollment[]): Promise<void> {
      if (!started.length) return;
      await models.Enrollment.bulkWrite(
        started.map((e) => ({
          updateOne: {
            filter: { _id: e.workflowId },
            update: { $setOnInsert: { accountId: e.accountId, leadId: e.leadId, sequenceId: e.sequenceId, version: e.version, runId: e.runId, status: 'running', enrolledBy: 'auto' } },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    },
  };
}
