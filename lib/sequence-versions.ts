/**
 * Saved sequence versions, read through a bounded cache: a version never changes once saved, so every enrollment
 * and every send of it can share one read. One cache per model (so per connection), oldest entry evicted first.
 */
import type { Models } from '../models/index.ts';
import { sequenceVersionId } from '../models/sequence.ts';
import type { SequenceDefinition } from './sequences.ts';

export interface SavedVersion {
  accountId: string;
  definition: SequenceDefinition;
}

const CACHE_SIZE = 1000;
const caches = new WeakMap<Models['SequenceVersion'], Map<string, SavedVersion>>();

/** The version, or null when it does not exist (it is never cached then: it may be created later). */
export async function savedVersion(models: Pick<Models, 'SequenceVersion'>, sequenceId: string, version: number): Promise<SavedVersion | null> {
  let cache = caches.get(models.SequenceVersion);
  if (!cache) caches.set(models.SequenceVersion, (cache = new Map()));
  const id = sequenceVersionId(sequenceId, version);
  const hit = cache.get(id);
  if (hit) return hit;
  const doc = await models.SequenceVersion.findById(id).lean();
  if (!doc) return null;
  const saved = { accountId: doc.accountId, definition: doc.definition as SequenceDefinition };
  cache.set(id, saved);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return saved;
}
