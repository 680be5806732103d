/**
 * The usage roll-up on its own (lib/usage/roll-up.ts): started every 15 minutes by the scheduler, and on demand by
 * POST /api/usage/roll-up. One idempotent activity; two runs at once are harmless (whole-day recounts, $max).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

const { rollUpUsage } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumInterval: '1 minute' },
});

/** With `from`/`to` (UTC days): those days recomputed now; without: the days touched since the watermark. */
export async function usageRollUp(range?: { from: string; to: string }): Promise<{ days: string[]; rolledUpThrough: string | null }> {
  return rollUpUsage(range);
}
