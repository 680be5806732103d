/**
 * Automatic enrollment: which of an account's sequences take new leads (their newest version has entry criteria),
 * and whether a lead matches. Criteria read the lead's source and score only — never its personal data.
 */
import type { Models } from '../../models/index.ts';
import { sequenceVersionId } from '../../models/sequence.ts';
import type { EntryCriteria, SequenceDefinition } from '../sequences.ts';

export interface AutoSequence {
  sequenceId: string;
  version: number;
  criteria: EntryCriteria;
  definition: SequenceDefinition;
}

export function matchesEntry(criteria: EntryCriteria, lead: { source?: string | null; score?: number | null }): boolean {
  if (criteria.sources && !(lead.source && criteria.sources.includes(lead.source))) return false;
  if (criteria.minScore !== undefined && (lead.score ?? 0) < criteria.minScore) return false;
  return true;
}

/** The account's sequences whose newest version enrols new leads automatically. */
export async function autoSequences(models: Models, accountId: string): Promise<AutoSequence[]> {
  const sequences = await models.Sequence.find({ accountId }, { latestVersion: 1 }).lean();
  if (!sequences.length) return [];
  const versions = await models.SequenceVersion.find({ _id: { $in: sequences.map((s) => sequenceVersionId(s._id, s.latestVersion)) } }, { sequenceId: 1, version: 1, definition: 1 }).lean();
  return versions
    .flatMap((v) => {
      const definition = v.definition as SequenceDefinition;
      return definition.entryCriteria ? [{ sequenceId: v.sequenceId, version: v.version, criteria: definition.entryCriteria, definition }] : [];
    })
    .sort((a, b) => a.sequenceId.localeCompare(b.sequenceId));
}
