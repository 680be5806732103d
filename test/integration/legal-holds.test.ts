/** Legal holds block deletion of what they cover, and only that, until released. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../lib/mongo.ts';
import { legalHoldModel } from '../../models/legal-hold.ts';
import { createLegalHolds, LegalHoldActiveError, type LegalHolds } from '../../lib/legal-holds.ts';
import { testConfig } from '../fixtures/engine.ts';

let mongo: Connection;
let holds: LegalHolds;
beforeAll(async () => {
  mongo = await connectMongo(testConfig().mongoUri);
  const LegalHold = legalHoldModel(mongo);
  await LegalHold.createIndexes();
  holds = createLegalHolds(LegalHold);
});
afterAll(async () => {
  await mongo?.dropDatabase();
  await mongo?.close();
});

describe('legal holds', () => {
  it('an account hold blocks the account and everyone in it until released', async () => {
    await expect(holds.assertDeletable('acc_1')).resolves.toBeUndefined();
    const hold = await holds.place({ accountId: 'acc_1', reference: 'CASE-2026-041', placedBy: 'usr_admin' });
    await expect(holds.assertDeletable('acc_1')).rejects.toBeInstanceOf(LegalHoldActiveError);
    await expect(holds.assertDeletable('acc_1', { type: 'lead', id: 'led_9' })).rejects.toThrow(hold._id);
    await expect(holds.assertDeletable('acc_2')).resolves.toBeUndefined();
    expect(await holds.release(hold._id, 'usr_admin')).toBe(true);
    expect(await holds.release(hold._id, 'usr_admin')).toBe(false);
    await expect(holds.assertDeletable('acc_1')).resolves.toBeUndefined();
  });

  it('a hold on one person blocks that person only', async () => {
    await holds.place({ accountId: 'acc_3', subject: { type: 'lead', id: 'led_1' }, reference: 'CASE-7', placedBy: 'usr_admin' });
    await expect(holds.assertDeletable('acc_3', { type: 'lead', id: 'led_1' })).rejects.toBeInstanceOf(LegalHoldActiveError);
    await expect(holds.assertDeletable('acc_3', { type: 'lead', id: 'led_2' })).resolves.toBeUndefined();
    // Deleting the whole account would delete that person too.
    await expect(holds.assertDeletable('acc_3')).rejects.toBeInstanceOf(LegalHoldActiveError);
  });
});
