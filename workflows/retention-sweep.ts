/**
 * The nightly retention sweep: FerretDB has no TTL indexes, so expiry is a scheduled process. Each store's
 * sweep is its own idempotent activity, so a retry repeats only the store that failed.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export interface RetentionSweepResult {
  expiredApiTokensDeleted: number;
  oldUsageEventsDeleted: number;
}

const { deleteExpiredApiTokens, deleteOldUsageEvents } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumInterval: '5 minutes' },
});

export async function retentionSweep(): Promise<RetentionSweepResult> {
  const expiredApiTokensDeleted = await deleteExpiredApiTokens();
  const oldUsageEventsDeleted = await deleteOldUsageEvents();
  return { expiredApiTokensDeleted, oldUsageEventsDeleted };
}
