import type { Models } from '../../models/index.ts';

export const API_TOKEN_KEEP_AFTER_EXPIRY_DAYS = 30;

export function createRetentionActivities({ models, usageRetentionDays }: { models: Models; usageRetentionDays: number }) {
  return {
    /** Tokens expired or revoked more than 30 days ago are deleted; the audit log keeps their history. */
    async deleteExpiredApiTokens(): Promise<number> {
      const cutoff = new Date(Date.now() - API_TOKEN_KEEP_AFTER_EXPIRY_DAYS * 86_400_000);
      const { deletedCount } = await models.ApiToken.deleteMany({ $or: [{ expiresAt: { $lt: cutoff } }, { revokedAt: { $lt: cutoff } }] });
      return deletedCount;
    },
    /** Raw usage events older than the retention are deleted; the daily aggregates stay. */
    async deleteOldUsageEvents(): Promise<number> {
      const cutoff = new Date(Date.now() - usageRetentionDays * 86_400_000);
      const { deletedCount } = await models.UsageEvent.deleteMany({ at: { $lt: cutoff } });
      return deletedCount;
    },
  };
}
