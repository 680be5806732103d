/**
 * Sends per account are paced by a token bucket in MongoDB: `reserveSendSlot` hands out the account's next slot
 * (one every 60 s / NURTURING_SENDS_PER_MINUTE) and returns how long until it; the workflow waits that long on a
 * durable timer, then sends.
 *
 * Why not a task-queue rate limit (`maxTaskQueueActivitiesPerSecond` on a sending queue)? It limits the queue, not
 * an account: one account enrolling 10,000 leads would hold back every other account's mail, and per-account
 * queues would need a poller per account. The bucket is per account, costs one small document per account, and the
 * wait is a timer in the workflow — no worker slot is held, a crash loses nothing, and the time-skipping server
 * skips it in tests. A slot reserved by an activity that is then retried is simply left unused.
 */
import type { Models } from '../../models/index.ts';
import { isDuplicateKeyError } from '../../lib/mongo.ts';

export function createSendThrottle({ SendSlot }: Pick<Models, 'SendSlot'>, sendsPerMinute: number, clock: () => number = Date.now) {
  const intervalMs = 60_000 / sendsPerMinute;
  return {
    intervalMs,
    /** Milliseconds until this send's slot (0: send now). Compare-and-set on the account's next free slot. */
    async reserve(accountId: string): Promise<number> {
      for (let attempt = 0; attempt < 100; attempt++) {
        const now = clock();
        // The usual case, one write: the account's next slot has come (or it has none yet), so this send takes it.
        // A slot still ahead makes the filter miss and the upsert collide with the existing document.
        try {
          await SendSlot.updateOne({ _id: accountId, nextSlotAt: { $lte: new Date(now) } }, { $set: { nextSlotAt: new Date(now + intervalMs) } }, { upsert: true });
          return 0;
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
        }
        // Throttled: book the slot after the account's next one.
        const current = await SendSlot.findById(accountId).lean();
        if (!current) continue;
        const slot = Math.max(now, current.nextSlotAt.getTime());
        const { modifiedCount } = await SendSlot.updateOne({ _id: accountId, nextSlotAt: current.nextSlotAt }, { $set: { nextSlotAt: new Date(slot + intervalMs) } });
        if (modifiedCount === 1) return Math.max(0, Math.round(slot - now));
        await new Promise((r) => setTimeout(r, Math.random() * 5 * Math.min(attempt + 1, 10)));
      }
      throw new Error(`send slot of account ${accountId}: too much contention, retrying`);
    },
  };
}
