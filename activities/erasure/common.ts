/** What the account purge and a person's erasure share. */
import { ApplicationFailure } from '@temporalio/activity';
import type { Model } from 'mongoose';
import type { LegalHolds, HoldSubject } from '../../lib/legal-holds.ts';
import { LegalHoldActiveError } from '../../lib/legal-holds.ts';

/** The data registers name models of every shape; erasure only needs their common surface. */
export type AnyModel = Model<Record<string, unknown>>;

/**
 * Refuses, as a non-retryable `LegalHoldActive` failure, to delete what a legal hold covers. The workflows check
 * before they start; a hold placed since stops them here until it is released.
 */
export async function failIfHeld(holds: LegalHolds, accountId: string, subject?: HoldSubject): Promise<void> {
  try {
    await holds.assertDeletable(accountId, subject);
  } catch (err) {
    if (err instanceof LegalHoldActiveError) throw ApplicationFailure.create({ type: 'LegalHoldActive', message: err.message, nonRetryable: true, details: [err.holdIds] });
    throw err;
  }
}
