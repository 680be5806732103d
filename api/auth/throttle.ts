/**
 * Login throttling in MongoDB (shared by every API replica): per address+account and per address alone.
 * FerretDB has no TTL indexes, so the counters' own expiry field is swept by the retention sweep.
 */
import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import { RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';

export const THROTTLE_COLLECTION = 'login_throttle';
const WINDOW_SECONDS = 15 * 60;

export interface LoginThrottle {
  /**
   * Takes one attempt from both budgets before the password is checked, so parallel guesses cannot all
   * slip in before a failure is counted. Returns the seconds to wait, or 0 when the attempt may go ahead.
   */
  reserve(ip: string, email: string): Promise<number>;
  /** A successful sign-in clears the account's count and gives the address its attempt back. */
  recordSuccess(ip: string, email: string): Promise<void>;
}

export async function createLoginThrottle(conn: Connection, maxPerAccount: number): Promise<LoginThrottle> {
  const common = {
    storeClient: conn.getClient(),
    dbName: conn.name,
    tableName: THROTTLE_COLLECTION,
    duration: WINDOW_SECONDS,
    blockDuration: WINDOW_SECONDS,
    disableIndexesCreation: true,
  };
  await conn.collection(THROTTLE_COLLECTION).createIndex({ key: 1 }, { unique: true });
  const perAccount = new RateLimiterMongo({ ...common, keyPrefix: 'acct', points: maxPerAccount });
  const perAddress = new RateLimiterMongo({ ...common, keyPrefix: 'ip', points: maxPerAccount * 10 });
  // The key holds no address in the clear.
  const accountKey = (ip: string, email: string) => createHash('sha256').update(`${ip}|${email.toLowerCase()}`).digest('hex');
  // FerretDB v1's findAndModify upsert is not atomic under concurrency (a test saw 4 of 3 attempts pass);
  // MongoDB's is. Serialising reservations per address inside this process closes the gap on FerretDB.
  const queues = new Map<string, Promise<unknown>>();
  const serial = <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (queues.get(key) ?? Promise.resolve()).then(task, task);
    const tail = run.catch(() => {});
    queues.set(key, tail);
    void tail.then(() => queues.get(key) === tail && queues.delete(key));
    return run;
  };
  return {
    async reserve(ip, email) {
      const results = await serial(ip, () => Promise.allSettled([perAccount.consume(accountKey(ip, email)), perAddress.consume(ip)]));
      let wait = 0;
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        if (!(r.reason instanceof RateLimiterRes)) throw r.reason;
        wait = Math.max(wait, Math.ceil(r.reason.msBeforeNext / 1000));
      }
      return wait;
    },
    async recordSuccess(ip, email) {
      await Promise.all([perAccount.delete(accountKey(ip, email)), perAddress.reward(ip, 1)]);
    },
  };
}
