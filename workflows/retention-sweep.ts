/**
 * The nightly retention sweep: FerretDB has no TTL indexes, so expiry is a scheduled process. Each store's
 * sweep is its own idempotent activity, so a retry repeats only the store that failed. Usage events are rolled up
 * before they are deleted: the incremental roll-up, then the seal of the days past the retention (their final
 * recount), then the deletion, which touches sealed days only (lib/usage/roll-up.ts). Then expired export archives,
 * financial records past their legal retention, and GPS points past theirs.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export interface RetentionSweepResult {
  expiredApiTokensDeleted: number;
  oldUsageEventsDeleted: number;
  exportsExpired: number;
  financialRecordsDeleted: number;
  locationPointsDeleted: number;
}

const { deleteExpiredApiTokens, rollUpUsage, sealOldUsageDays, deleteOldUsageEvents, expireOldExports, deleteExpiredFinancialRecords, deleteOldLocationPoints } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumInterval: '5 minutes' },
});

export async function retentionSweep(): Promise<RetentionSweepResult> {
  const expiredApiTokensDeleted = await deleteExpiredApiTokens();
  await rollUpUsage();
  await sealOldUsageDays();
  const oldUsageEventsDeleted = await deleteOldUsageEvents();
  const exportsExpired = await expireOldExports();
  const financialRecordsDeleted = await deleteExpiredFinancialRecords();
  const locationPointsDeleted = await deleteOldLocationPoints();
  return { expiredApiTokensDeleted, oldUsageEventsDeleted, exportsExpired, financialRecordsDeleted, locationPointsDeleted };
}
