import type { Models } from '../../models/index.ts';
import { createUsageRollUp, retentionCutoffDay } from '../../lib/usage/roll-up.ts';
import { expireExports } from '../../lib/exports/store.ts';

export const API_TOKEN_KEEP_AFTER_EXPIRY_DAYS = 30;

export function createRetentionActivities({ models, usageRetentionDays, locationRetentionDays }: { models: Models; usageRetentionDays: number; locationRetentionDays: number }) {
  const rollUp = createUsageRollUp(models);
  return {
    /** Tokens expired or revoked more than 30 days ago are deleted; the audit log keeps their history. */
    async deleteExpiredApiTokens(): Promise<number> {
      const cutoff = new Date(Date.now() - API_TOKEN_KEEP_AFTER_EXPIRY_DAYS * 86_400_000);
      const { deletedCount } = await models.ApiToken.deleteMany({ $or: [{ expiresAt: { $lt: cutoff } }, { revokedAt: { $lt: cutoff } }] });
      return deletedCount;
    },
    /**
     * The usage roll-up (lib/usage/roll-up.ts): with no days, the days touched since the watermark, which then
     * moves; with `from`/`to`, those whole days recomputed now. Idempotent: safe to retry and to run concurrently.
     */
    async rollUpUsage(range?: { from: string; to: string }): Promise<{ days: string[]; rolledUpThrough: string | null }> {
      if (range) {
        const days = await rollUp.rollUpRange(range.from, range.to);
        return { days, rolledUpThrough: (await rollUp.rolledUpThrough())?.toISOString() ?? null };
      }
      const r = await rollUp.rollUpRecent();
      return { days: r.days, rolledUpThrough: r.rolledUpThrough.toISOString() };
    },
    /** Rolls up one last time and seals the days older than the retention: only sealed days may be deleted. */
    async sealOldUsageDays(): Promise<string[]> {
      return rollUp.sealDaysBefore(retentionCutoffDay(usageRetentionDays));
    },
    /**
     * Raw usage events of whole UTC days older than the retention are deleted — only days already sealed (rolled
     * up for good); an unsealed day is left for the next sweep. The daily aggregates stay.
     */
    async deleteOldUsageEvents(): Promise<number> {
      return (await rollUp.deleteSealedBefore(retentionCutoffDay(usageRetentionDays))).deleted;
    },

    /** Finished exports past their expiry: archives deleted, records kept as expired (the download says so). */
    async expireOldExports(): Promise<number> {
      return expireExports(models);
    },
    /** Financial records of purged accounts whose legal retention has ended (they were pseudonymised at the purge). */
    async deleteExpiredFinancialRecords(): Promise<number> {
      const due = { pseudonymisedAt: { $exists: true }, retainUntil: { $lt: new Date() } };
      const [invoices, payments] = await Promise.all([models.Invoice.deleteMany(due), models.Payment.deleteMany(due)]);
      return invoices.deletedCount + payments.deletedCount;
    },
    /** Raw GPS points older than LOCATION_RETENTION_DAYS: location data is kept no longer than route work needs. */
    async deleteOldLocationPoints(): Promise<number> {
      const { deletedCount } = await models.LocationPoint.deleteMany({ at: { $lt: new Date(Date.now() - locationRetentionDays * 86_400_000) } });
      return deletedCount;
    },
  };
}
