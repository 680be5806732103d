/**
 * Usage ingestion over HTTP: per-event reports, truncated IPs, parsed agents, idempotent retries, the roll-up into
 * daily aggregates, and the retention sweep that deletes only rolled-up (sealed) days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { createRetentionActivities } from '../../activities/housekeeping/retention.ts';
import { ROLL_UP_LAG_MS } from '../../lib/usage/roll-up.ts';

let engine: Engine;
let admin: HttpSession;
let ops: HttpSession;
let engineer: HttpSession;
const accountId = `acc_${'cd'.repeat(16)}`;
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const now = new Date();
const DAY_MS = 86_400_000;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const today = dayOf(now);
const newAccount = () => `acc_${randomBytes(16).toString('hex')}`;
const event = (over: Record<string, unknown> = {}) => ({
  accountId,
  userId: 'usr_u1',
  at: now.toISOString(),
  ip: '203.0.113.77',
  userAgent: CHROME,
  page: '/leads/42?q=olive@acme.example#notes',
  action: 'view',
  ...over,
});

beforeAll(async () => {
  engine = await startEngine();
  const [a, o, e] = await Promise.all([addUser(engine, ['admin']), addUser(engine, ['ops']), addUser(engine, ['engineer'])]);
  [admin, ops, engineer] = (await Promise.all([a, o, e].map((u) => HttpSession.signIn(engine.baseUrl, u.email)))) as [HttpSession, HttpSession, HttpSession];
});
afterAll(() => engine?.close());

const rawOf = (account: string) => engine.deps.mongo.db!.collection('usage_events').find({ accountId: account }).toArray();
const dailyOf = async (account: string, session = ops) => {
  const res = await session.request('GET', `/api/usage/daily?accountId=${account}`);
  expect(res.status).toBe(200);
  return res.json as { rolledUpThrough: string | null; days: { day: string; page: string; action: string; browser: { name: string }; device: string; count: number }[] };
};
/** Recomputes the given whole days now, through the API (the usageRollUp workflow on the test's worker). */
const rollUpDays = async (from: string, to = from) => {
  const res = await engineer.request('POST', '/api/usage/roll-up', { from, to });
  expect(res.status).toBe(200);
  return res.json as { days: string[]; rolledUpThrough: string | null };
};

describe('POST /api/usage-events', () => {
  it('stores the good events of a mixed batch, reports every failing field of the bad ones (207), and writes nothing else', async () => {
    const batch = [
      event(),
      event({ accountId: 'acc_nope', at: 'yesterday', extra: 1 }),
      event({ ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348', userAgent: IPHONE, page: '/jobs/7', action: 'open' }),
      event({ ip: 'not-an-ip', action: 'Bad Action' }),
      event({ ip: '::ffff:198.51.100.9' }),
      { userId: 'usr_u2' },
      event({ id: 'short', at: new Date(Date.now() - 120 * DAY_MS).toISOString() }),
      event({ at: new Date(Date.now() + 3 * DAY_MS).toISOString(), page: '' }),
    ];
    const res = await admin.request('POST', '/api/usage-events', { events: batch });
    expect(res.status).toBe(207);
    expect(res.json.accepted).toBe(3);
    expect(res.json.duplicates).toBe(0);
    const paths = (i: number) => res.json.rejected.find((r: { index: number }) => r.index === i).errors.map((e: { path: string }) => e.path).sort();
    expect(res.json.rejected.map((r: { index: number }) => r.index)).toEqual([1, 3, 5, 6, 7]);
    expect(paths(1)).toEqual(['/body/events/1/accountId', '/body/events/1/at', '/body/events/1/extra']);
    expect(paths(3)).toEqual(['/body/events/3/action', '/body/events/3/ip']);
    expect(paths(5)).toEqual(['/body/events/5/accountId', '/body/events/5/action', '/body/events/5/at', '/body/events/5/ip', '/body/events/5/page', '/body/events/5/userAgent']);
    // Outside the retention window (too old, too far ahead) is a per-event error like any other.
    expect(paths(6)).toEqual(['/body/events/6/at', '/body/events/6/id']);
    expect(paths(7)).toEqual(['/body/events/7/at', '/body/events/7/page']);
    expect(res.json.rejected.find((r: { index: number }) => r.index === 6).errors.find((e: { path: string }) => e.path.endsWith('/at')).message).toContain('retention');

    const raw = await engine.deps.mongo.db!.collection('usage_events').find({}).toArray();
    expect(raw).toHaveLength(3);
    expect(raw.map((e) => e.ipPrefix).sort()).toEqual(['198.51.100.0/24', '2001:db8:85a3::/48', '203.0.113.0/24']);
    const chrome = raw.find((e) => e.ipPrefix === '203.0.113.0/24')!;
    expect(chrome).toMatchObject({ accountId, userId: 'usr_u1', page: '/leads/42', action: 'view', day: today, browser: { name: 'Chrome', major: '124' }, os: { name: 'Windows' }, device: 'desktop' });
    expect(raw.find((e) => e.ipPrefix === '2001:db8:85a3::/48')).toMatchObject({ device: 'mobile', os: { name: 'iOS' }, page: '/jobs/7' });
    // The request wrote the raw events and nothing else: the aggregates are the roll-up's.
    expect(await engine.deps.mongo.db!.collection('usage_daily').countDocuments()).toBe(0);
    expect(await engine.deps.mongo.db!.collection('usage_roll_ups').countDocuments()).toBe(0);
    expect(await dailyOf(accountId)).toEqual({ accountId, rolledUpThrough: null, days: [] });

    expect(await rollUpDays(today)).toMatchObject({ days: [today] });
    const daily = await dailyOf(accountId);
    expect(daily.days).toEqual(
      expect.arrayContaining([
        { day: today, page: '/leads/42', action: 'view', browser: { name: 'Chrome', major: '124' }, os: { name: 'Windows' }, device: 'desktop', count: 2 },
        { day: today, page: '/jobs/7', action: 'open', browser: { name: 'Mobile Safari', major: '17' }, os: { name: 'iOS' }, device: 'mobile', count: 1 },
      ]),
    );
    expect(daily.days).toHaveLength(2);
    // The full address, the agent string and the query string appear nowhere in the stored data.
    const all = JSON.stringify([raw, await engine.deps.mongo.db!.collection('usage_daily').find({}).toArray()]);
    for (const secret of ['203.0.113.77', '198.51.100.9', '8a2e:370:7348', CHROME, IPHONE, 'AppleWebKit', 'olive@acme.example', 'notes']) expect(all).not.toContain(secret);
  });

  it('counts a retried batch once: by client event ID, and by content for events without one', async () => {
    const account = newAccount();
    const batch = [
      event({ accountId: account, id: 'evt-0001-aaaa', page: '/a' }),
      event({ accountId: account, id: 'evt-0002-bbbb', page: '/a' }),
      // Two identical events without ID in one batch are two events (a double click), on every retry too.
      event({ accountId: account, page: '/b' }),
      event({ accountId: account, page: '/b' }),
      event({ accountId: account, page: '/c', at: new Date(now.getTime() - 2 * DAY_MS).toISOString() }),
    ];
    const first = await admin.request('POST', '/api/usage-events', { events: batch });
    expect(first.status).toBe(202);
    expect(first.json).toEqual({ accepted: 5, duplicates: 0, rejected: [] });
    // The client timed out and sends the batch again: all accepted, none stored twice.
    const retry = await admin.request('POST', '/api/usage-events', { events: batch });
    expect(retry.status).toBe(202);
    expect(retry.json).toEqual({ accepted: 5, duplicates: 5, rejected: [] });
    // A re-batched retry with one new event and a bad one: the known ones are duplicates, the new one stored.
    const mixed = await admin.request('POST', '/api/usage-events', { events: [batch[1], event({ accountId: account, id: 'evt-0003-cccc', page: '/a' }), event({ accountId: account, ip: 'x' })] });
    expect(mixed.status).toBe(207);
    expect(mixed.json).toMatchObject({ accepted: 2, duplicates: 1, rejected: [{ index: 2 }] });
    // The same client ID in another account is another event.
    const other = newAccount();
    expect((await admin.request('POST', '/api/usage-events', { events: [event({ accountId: other, id: 'evt-0001-aaaa' })] })).json).toEqual({ accepted: 1, duplicates: 0, rejected: [] });

    expect(await rawOf(account)).toHaveLength(6);
    await rollUpDays(dayOf(new Date(now.getTime() - 2 * DAY_MS)), today);
    const counts = Object.fromEntries((await dailyOf(account)).days.map((d) => [`${d.day} ${d.page}`, d.count]));
    expect(counts).toEqual({ [`${today} /a`]: 3, [`${today} /b`]: 2, [`${dayOf(new Date(now.getTime() - 2 * DAY_MS))} /c`]: 1 });
  });

  it('answers 400 problem+json, storing nothing, when the envelope or every event is bad', async () => {
    const before = await engine.deps.models.UsageEvent.countDocuments();
    const allBad = await admin.request('POST', '/api/usage-events', { events: [event({ ip: 'x' }), event({ at: 'soon' })] });
    expect(allBad.status).toBe(400);
    expect(allBad.headers.get('content-type')).toContain('application/problem+json');
    expect(allBad.json.errors.map((e: { path: string }) => e.path)).toEqual(['/body/events/0/ip', '/body/events/1/at']);
    const tooMany = await admin.request('POST', '/api/usage-events', { events: Array.from({ length: 1001 }, () => event()) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.errors.map((e: { path: string }) => e.path)).toEqual(['/body/events']);
    expect((await admin.request('POST', '/api/usage-events', { events: [], more: 1 })).json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/body/events', '/body/more']);
    expect(await engine.deps.models.UsageEvent.countDocuments()).toBe(before);
  });

  it('accepts an API token with usage:write; refuses ops (403)', async () => {
    expect((await ops.request('POST', '/api/usage-events', { events: [event()] })).status).toBe(403);
    const t = await admin.request('POST', '/api/tokens', { name: 'crm front end', scopes: ['usage:write'] });
    expect(t.status).toBe(201);
    const crm = new HttpSession(engine.baseUrl, { authorization: `Bearer ${t.json.token}` });
    expect((await crm.request('POST', '/api/usage-events', { events: [event({ id: 'token-event-0001' })] })).status).toBe(202);
    expect((await crm.request('GET', `/api/usage/daily?accountId=${accountId}`)).status).toBe(403);
    expect((await crm.request('POST', '/api/usage/roll-up', {})).status).toBe(403);
    expect((await ops.request('POST', '/api/usage/roll-up', {})).status).toBe(403);
  });
});

describe('the usage roll-up', () => {
  it('rolls up what was received before its watermark into exact daily counts, and a re-run changes nothing', async () => {
    const [a, b] = [newAccount(), newAccount()];
    const twoDaysAgo = new Date(now.getTime() - 2 * DAY_MS);
    const events = [
      ...Array.from({ length: 7 }, () => event({ accountId: a, page: '/leads', action: 'view' })),
      ...Array.from({ length: 3 }, () => event({ accountId: a, page: '/leads', action: 'view', userAgent: IPHONE })),
      ...Array.from({ length: 4 }, () => event({ accountId: a, page: '/jobs', action: 'save', at: twoDaysAgo.toISOString() })),
      ...Array.from({ length: 5 }, () => event({ accountId: b, page: '/leads', action: 'view' })),
    ];
    expect((await admin.request('POST', '/api/usage-events', { events })).json).toMatchObject({ accepted: 19, duplicates: 0 });
    // The watermark trails the clock by ROLL_UP_LAG_MS (inserts in flight): received "now", they are not due yet…
    const early = await engineer.request('POST', '/api/usage/roll-up', {});
    expect(early.status).toBe(200);
    expect(Date.parse(early.json.rolledUpThrough)).toBeLessThan(Date.now() - ROLL_UP_LAG_MS + 1);
    expect((await dailyOf(b)).days).toEqual([]);
    // …as if they had arrived just after that watermark (a lag ago, i.e. now due), they are.
    const justAfter = (watermark: string) => new Date(Date.parse(watermark) + 1);
    await engine.deps.models.UsageEvent.updateMany({ accountId: { $in: [a, b] } }, { $set: { receivedAt: justAfter(early.json.rolledUpThrough) } });
    const run = await engineer.request('POST', '/api/usage/roll-up', {});
    expect(run.status).toBe(200);
    expect(run.json.days).toEqual(expect.arrayContaining([dayOf(twoDaysAgo), today]));
    const through = Date.parse(run.json.rolledUpThrough);
    expect(Date.now() - through).toBeGreaterThanOrEqual(ROLL_UP_LAG_MS);
    expect(Date.now() - through).toBeLessThan(ROLL_UP_LAG_MS + 30_000);

    const expected = {
      [`${today} /leads view Chrome desktop`]: 7,
      [`${today} /leads view Mobile Safari mobile`]: 3,
      [`${dayOf(twoDaysAgo)} /jobs save Chrome desktop`]: 4,
    };
    const countsOf = async (account: string) => {
      const daily = await dailyOf(account);
      expect(Date.parse(daily.rolledUpThrough!)).toBeGreaterThanOrEqual(through); // never goes back
      return Object.fromEntries(daily.days.map((d) => [`${d.day} ${d.page} ${d.action} ${d.browser.name} ${d.device}`, d.count]));
    };
    expect(await countsOf(a)).toEqual(expected);
    expect(await countsOf(b)).toEqual({ [`${today} /leads view Chrome desktop`]: 5 });

    // Again, by the watermark and by explicit days: recounts, never adds.
    await engine.deps.models.UsageEvent.updateMany({ accountId: a }, { $set: { receivedAt: justAfter(run.json.rolledUpThrough) } });
    expect((await engineer.request('POST', '/api/usage/roll-up', {})).json.days).toEqual(expect.arrayContaining([dayOf(twoDaysAgo), today]));
    await rollUpDays(dayOf(twoDaysAgo), today);
    expect((await dailyOf(a)).days.map((d) => d.count).sort()).toEqual([3, 4, 7]);
    // Later events of a day already rolled up: that day is recounted in full.
    await admin.request('POST', '/api/usage-events', { events: [event({ accountId: a, page: '/jobs', action: 'save', at: twoDaysAgo.toISOString(), id: 'late-0000001' })] });
    await rollUpDays(dayOf(twoDaysAgo));
    expect(await countsOf(a)).toEqual({ ...expected, [`${dayOf(twoDaysAgo)} /jobs save Chrome desktop`]: 5 });
  });

  it('refuses a range of more than 31 days, or backwards (400)', async () => {
    expect((await engineer.request('POST', '/api/usage/roll-up', { from: '2026-01-01', to: '2026-03-01' })).status).toBe(400);
    expect((await engineer.request('POST', '/api/usage/roll-up', { from: '2026-01-02', to: '2026-01-01' })).status).toBe(400);
    expect((await engineer.request('POST', '/api/usage/roll-up', { from: '2026-01-02' })).status).toBe(400);
  });
});

describe('retention sweep of usage events', () => {
  it('deletes only whole days past USAGE_RETENTION_DAYS (90), and only once they are rolled up', async () => {
    const { UsageEvent, UsageDaily, UsageRollUp } = engine.deps.models;
    const account = newAccount();
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY_MS);
    let n = 0;
    const stored = (daysAgo: number, page: string) => ({
      _id: `${account}/old-${n++}`, accountId: account, userId: 'usr_old', at: at(daysAgo), day: dayOf(at(daysAgo)), receivedAt: at(daysAgo),
      ipPrefix: '192.0.2.0/24', browser: { name: 'Chrome', major: '1' }, os: { name: 'Linux' }, device: 'desktop', page, action: 'view',
    });
    // Stored back then and never rolled up (say the roll-up was down): 3 + 2 events on days past the retention.
    await UsageEvent.insertMany([stored(92, '/old'), stored(92, '/old'), stored(92, '/other'), stored(200, '/older'), stored(200, '/older'), stored(89, '/kept')]);
    const [d92, d200] = [dayOf(at(92)), dayOf(at(200))];

    // The deletion alone refuses days that are not sealed (rolled up for good).
    const retention = createRetentionActivities({ models: engine.deps.models, usageRetentionDays: 90, locationRetentionDays: 30 });
    expect(await retention.deleteOldUsageEvents()).toBe(0);
    expect(await UsageEvent.countDocuments({ accountId: account })).toBe(6);

    const aggregates = await UsageDaily.countDocuments();
    const result = await engine.deps.temporal.workflow.execute('retentionSweep', { taskQueue: engine.config.temporal.taskQueue, workflowId: `usage-sweep-test-${Date.now()}` });
    expect(result).toEqual({ expiredApiTokensDeleted: 0, oldUsageEventsDeleted: 5, exportsExpired: 0, financialRecordsDeleted: 0, locationPointsDeleted: 0 });
    expect((await UsageEvent.find({ accountId: account }).lean()).map((e) => e.page)).toEqual(['/kept']);
    // What was deleted had been counted first.
    const counts = Object.fromEntries((await UsageDaily.find({ accountId: account }).lean()).map((r) => [`${r.day} ${r.page}`, r.count]));
    expect(counts).toEqual({ [`${d92} /old`]: 2, [`${d92} /other`]: 1, [`${d200} /older`]: 2 });
    expect(await UsageDaily.countDocuments()).toBe(aggregates + 3);
    expect((await UsageRollUp.find({ _id: { $in: [`sealed:${d92}`, `sealed:${d200}`] } }).lean()).map((s) => s.day).sort()).toEqual([d200, d92].sort());

    // A second sweep finds the sealed days gone and leaves their counts alone; an explicit recount skips them.
    expect(await engine.deps.temporal.workflow.execute('retentionSweep', { taskQueue: engine.config.temporal.taskQueue, workflowId: `usage-sweep-test-${Date.now()}-2` })).toEqual({ expiredApiTokensDeleted: 0, oldUsageEventsDeleted: 0, exportsExpired: 0, financialRecordsDeleted: 0, locationPointsDeleted: 0 });
    await UsageEvent.insertMany([stored(92, '/old')]);
    expect((await rollUpDays(d92)).days).toEqual([]);
    expect((await UsageDaily.findOne({ accountId: account, day: d92, page: '/old' }).lean())!.count).toBe(2);
  });
});
