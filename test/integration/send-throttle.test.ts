/**
 * The per-account send throttle (activities/nurturing/throttle.ts) on the real MongoDB-protocol server: slots one
 * interval apart per account, accounts independent, no two concurrent sends given the same slot, and an idle
 * account sending at once again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../lib/mongo.ts';
import { sendSlotModel } from '../../models/enrollment.ts';
import { createSendThrottle } from '../../activities/nurturing/throttle.ts';
import { testConfig } from '../fixtures/engine.ts';

let mongo: Connection;
let models: { SendSlot: ReturnType<typeof sendSlotModel> };

beforeAll(async () => {
  mongo = await connectMongo(testConfig().mongoUri);
  models = { SendSlot: sendSlotModel(mongo) };
});
afterAll(async () => {
  await mongo?.dropDatabase();
  await mongo?.close();
});

const account = () => `acc_${randomBytes(8).toString('hex')}`;

describe('per-account send throttle', () => {
  it('hands out one slot per interval per account; an idle account sends at once', async () => {
    let now = Date.parse('2026-11-26T09:00:00Z');
    const throttle = createSendThrottle(models, 60, () => now); // one a second
    const [a, b] = [account(), account()];
    expect(await throttle.reserve(a)).toBe(0);
    expect(await throttle.reserve(a)).toBe(1000);
    expect(await throttle.reserve(a)).toBe(2000);
    expect(await throttle.reserve(b)).toBe(0); // another account is not held back
    now += 2500; // a's slots at +1 s and +2 s are taken; the next is +3 s
    expect(await throttle.reserve(a)).toBe(500);
    now += 60_000; // idle: the bucket does not save up a burst, the next send simply goes now
    expect(await throttle.reserve(a)).toBe(0);
    expect(await throttle.reserve(a)).toBe(1000);
  });

  it('gives concurrent sends of one account distinct slots', async () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    const throttle = createSendThrottle(models, 600, () => now); // one every 100 ms
    const a = account();
    const delays = await Promise.all(Array.from({ length: 12 }, () => throttle.reserve(a)));
    expect(delays.sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i * 100));
  });
});
