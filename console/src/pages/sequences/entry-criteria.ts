// How a sequence takes leads, in words, for the sequences list and the sequence page.
import type { EntryCriteria } from '../../lib/api/sequences';

/** "Automatic: source webinar, score ≥ 5", "Automatic: every new lead", "Manual enrollment only". */
export function entryCriteriaText(criteria: EntryCriteria | null | undefined): string {
  if (!criteria) return 'Manual enrollment only';
  const parts: string[] = [];
  const sources = criteria.sources ?? [];
  if (sources.length) parts.push(`source ${sources.length > 1 ? `${sources.slice(0, -1).join(', ')} or ${sources.at(-1)}` : sources[0]}`);
  if (criteria.minScore !== undefined) parts.push(`score ≥ ${criteria.minScore}`);
  return `Automatic: ${parts.length ? parts.join(', ') : 'every new lead'}`;
}
