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
  /** Seconds to wait, or 0 when the attempt may go ahead. */
  retryAfter(ip: string, email: string): Promise<number>;
  recordFailure(ip: string, email: string): Promise<void>;
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
  const wait = (res: RateLimiterRes | null, points: number) => (res && res.consumedPoints >= points ? Math.ceil(res.msBeforeNext / 1000) : 0);
  return {
    async retryAfter(ip, email) {
      const [a, b] = await Promise.all([perAccount.get(accountKey(ip, email)), perAddress.get(ip)]);
      return Math.max(wait(a, perAccount.points), wait(b, perAddress.points));
    },
    async recordFailure(ip, email) {
      const swallow = (err: unknown) => {
        if (!(err instanceof RateLimiterRes)) throw err;
      };
      await Promise.all([perAccount.consume(accountKey(ip, email)).catch(swallow), perAddress.consume(ip).catch(swallow)]);
    },
    async recordSuccess(ip, email) {
      await perAccount.delete(accountKey(ip, email));
    },
  };
}
