/** Legal holds: the one question every deletion path asks before it deletes anything. */
import { randomUUID } from 'node:crypto';
import type { legalHoldModel, LegalHoldDoc } from '../models/legal-hold.ts';

export class LegalHoldActiveError extends Error {
  constructor(
    readonly accountId: string,
    readonly holdIds: string[],
  ) {
    super(`deletion blocked: ${holdIds.length} active legal hold(s) on account ${accountId} (${holdIds.join(', ')})`);
    this.name = 'LegalHoldActiveError';
  }
}

export interface HoldSubject {
  type: string;
  id: string;
}

export function createLegalHolds(LegalHold: ReturnType<typeof legalHoldModel>, clock: () => Date = () => new Date()) {
  /**
   * Active holds in the way of deleting the whole account (any hold in it: the account's deletion would take
   * every person with it), or of deleting one person (a hold on the account or on that person).
   */
  const activeFor = (accountId: string, subject?: HoldSubject) =>
    LegalHold.find({
      accountId,
      releasedAt: null,
      ...(subject ? { $or: [{ 'subject.id': null }, { 'subject.type': subject.type, 'subject.id': subject.id }] } : {}),
    }).lean<LegalHoldDoc[]>();

  return {
    async place(input: { accountId: string; subject?: HoldSubject; reference: string; placedBy: string }) {
      const hold = { _id: `hld_${randomUUID().replaceAll('-', '')}`, ...input, placedAt: clock() };
      await LegalHold.create(hold);
      return hold;
    },
    /** Returns false when there was no active hold with this ID (already released or unknown). */
    async release(holdId: string, releasedBy: string): Promise<boolean> {
      const { matchedCount } = await LegalHold.updateOne({ _id: holdId, releasedAt: null }, { $set: { releasedAt: clock(), releasedBy } });
      return matchedCount === 1;
    },
    activeFor,
    /** Throws LegalHoldActiveError when anything holds the account (or the person): call before deleting. */
    async assertDeletable(accountId: string, subject?: HoldSubject) {
      const holds = await activeFor(accountId, subject);
      if (holds.length) throw new LegalHoldActiveError(accountId, holds.map((h) => h._id));
    },
  };
}

export type LegalHolds = ReturnType<typeof createLegalHolds>;
