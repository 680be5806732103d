/** Consents: versioned, timestamped records; a revocation takes effect at the next check. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../lib/mongo.ts';
import { consentModel } from '../../models/consent.ts';
import { createConsents, type Consents } from '../../lib/consents.ts';
import { testConfig } from '../fixtures/engine.ts';

let mongo: Connection;
let consents: Consents;
beforeAll(async () => {
  mongo = await connectMongo(testConfig().mongoUri);
  const Consent = consentModel(mongo);
  await Consent.createIndexes();
  consents = createConsents(Consent);
});
afterAll(async () => {
  await mongo?.dropDatabase();
  await mongo?.close();
});

const tech = { accountId: 'acc_a', subjectType: 'technician' as const, subjectId: 'tec_1' };

describe('consents', () => {
  it('has no consent before a grant, has it after, and loses it at once on revocation', async () => {
    expect(await consents.isGranted(tech, 'location')).toBe(false);
    await consents.record({ ...tech, category: 'location', granted: true, policyVersion: '2026-01', source: 'mobile-app' });
    expect(await consents.isGranted(tech, 'location')).toBe(true);
    await consents.record({ ...tech, category: 'location', granted: false, policyVersion: '2026-01', source: 'mobile-app' });
    expect(await consents.isGranted(tech, 'location')).toBe(false);
    // Other categories and other people are not affected.
    expect(await consents.isGranted(tech, 'marketing')).toBe(false);
    expect(await consents.isGranted({ ...tech, subjectId: 'tec_2' }, 'location')).toBe(false);
  });

  it('keeps the whole history with versions and sources, and the current state per category', async () => {
    const lead = { accountId: 'acc_a', subjectType: 'lead' as const, subjectId: 'led_1' };
    await consents.record({ ...lead, category: 'marketing', granted: true, policyVersion: 'v1', source: 'crm' });
    await consents.record({ ...lead, category: 'marketing', granted: false, policyVersion: 'v1', source: 'unsubscribe-link' });
    await consents.record({ ...lead, category: 'marketing', granted: true, policyVersion: 'v2', source: 'preference-centre' });
    const history = await consents.history(lead);
    expect(history.map((h) => [h.granted, h.policyVersion, h.source, h.seq])).toEqual([
      [true, 'v1', 'crm', 1],
      [false, 'v1', 'unsubscribe-link', 2],
      [true, 'v2', 'preference-centre', 3],
    ]);
    const current = await consents.current(lead);
    expect(current.find((c) => c.category === 'marketing')).toMatchObject({ granted: true, policyVersion: 'v2', source: 'preference-centre' });
    expect(current.find((c) => c.category === 'location')).toMatchObject({ granted: false, policyVersion: null });
  });

  it('orders concurrent changes without losing one', async () => {
    const visitor = { accountId: 'acc_b', subjectType: 'visitor' as const, subjectId: 'vis_1' };
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => consents.record({ ...visitor, category: 'cookies.analytics', granted: i % 2 === 0, policyVersion: 'c1', source: 'cookie-banner' })),
    );
    const seqs = (await consents.history(visitor)).map((h) => h.seq).sort((a, b) => a - b);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
