/** Usage ingestion over HTTP: per-event reports, truncated IPs, parsed agents, aggregates, and the retention sweep. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';

let engine: Engine;
let admin: HttpSession;
let ops: HttpSession;
const accountId = `acc_${'cd'.repeat(16)}`;
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const now = new Date();
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
  const [a, o] = await Promise.all([addUser(engine, ['admin']), addUser(engine, ['ops'])]);
  [admin, ops] = await Promise.all([HttpSession.signIn(engine.baseUrl, a.email), HttpSession.signIn(engine.baseUrl, o.email)]);
});
afterAll(() => engine?.close());

describe('POST /api/usage-events', () => {
  it('stores the good events of a mixed batch and reports every failing field of the bad ones (207)', async () => {
    const batch = [
      event(),
      event({ accountId: 'acc_nope', at: 'yesterday', extra: 1 }),
      event({ ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348', userAgent: IPHONE, page: '/jobs/7', action: 'open' }),
      event({ ip: 'not-an-ip', action: 'Bad Action' }),
      event({ ip: '::ffff:198.51.100.9' }),
      { userId: 'usr_u2' },
    ];
    const res = await admin.request('POST', '/api/usage-events', { events: batch });
    expect(res.status).toBe(207);
    expect(res.json.accepted).toBe(3);
    const paths = (i: number) => res.json.rejected.find((r: { index: number }) => r.index === i).errors.map((e: { path: string }) => e.path).sort();
    expect(res.json.rejected.map((r: { index: number }) => r.index)).toEqual([1, 3, 5]);
    expect(paths(1)).toEqual(['/body/events/1/accountId', '/body/events/1/at', '/body/events/1/extra']);
    expect(paths(3)).toEqual(['/body/events/3/action', '/body/events/3/ip']);
    expect(paths(5)).toEqual(['/body/events/5/accountId', '/body/events/5/action', '/body/events/5/at', '/body/events/5/ip', '/body/events/5/page', '/body/events/5/userAgent']);

    const raw = await engine.deps.mongo.db!.collection('usage_events').find({}).toArray();
    expect(raw).toHaveLength(3);
    expect(raw.map((e) => e.ipPrefix).sort()).toEqual(['198.51.100.0/24', '2001:db8:85a3::/48', '203.0.113.0/24']);
    const chrome = raw.find((e) => e.ipPrefix === '203.0.113.0/24')!;
    expect(chrome).toMatchObject({ accountId, userId: 'usr_u1', page: '/leads/42', action: 'view', browser: { name: 'Chrome', major: '124' }, os: { name: 'Windows' }, device: 'desktop' });
    expect(raw.find((e) => e.ipPrefix === '2001:db8:85a3::/48')).toMatchObject({ device: 'mobile', os: { name: 'iOS' }, page: '/jobs/7' });
    // The full address, the agent string and the query string appear nowhere in the stored data.
    const all = JSON.stringify([raw, await engine.deps.mongo.db!.collection('usage_daily').find({}).toArray()]);
    for (const secret of ['203.0.113.77', '198.51.100.9', '8a2e:370:7348', CHROME, IPHONE, 'AppleWebKit', 'olive@acme.example', 'notes']) expect(all).not.toContain(secret);

    const daily = await ops.request('GET', `/api/usage/daily?accountId=${accountId}`);
    expect(daily.status).toBe(200);
    const day = now.toISOString().slice(0, 10);
    expect(daily.json.days).toEqual(
      expect.arrayContaining([
        { day, page: '/leads/42', action: 'view', browser: { name: 'Chrome', major: '124' }, os: { name: 'Windows' }, device: 'desktop', count: 2 },
        { day, page: '/jobs/7', action: 'open', browser: { name: 'Mobile Safari', major: '17' }, os: { name: 'iOS' }, device: 'mobile', count: 1 },
      ]),
    );
    expect(daily.json.days).toHaveLength(2);
  });

  it('answers 202 when all are good, and bumps the aggregates', async () => {
    const res = await admin.request('POST', '/api/usage-events', { events: [event(), event()] });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ accepted: 2, rejected: [] });
    const day = now.toISOString().slice(0, 10);
    const daily = await ops.request('GET', `/api/usage/daily?accountId=${accountId}&from=${day}&to=${day}`);
    expect(daily.json.days.find((d: { page: string }) => d.page === '/leads/42').count).toBe(4);
    expect((await ops.request('GET', `/api/usage/daily?accountId=${accountId}&to=2000-01-01`)).json.days).toEqual([]);
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
    expect((await crm.request('POST', '/api/usage-events', { events: [event()] })).status).toBe(202);
    expect((await crm.request('GET', `/api/usage/daily?accountId=${accountId}`)).status).toBe(403);
  });
});

describe('retention sweep of usage events', () => {
  it('deletes raw events older than USAGE_RETENTION_DAYS (90) and keeps newer ones and the aggregates', async () => {
    const { UsageEvent, UsageDaily } = engine.deps.models;
    const day = 86_400_000;
    const base = { accountId, userId: 'usr_old', ipPrefix: '192.0.2.0/24', browser: { name: 'Chrome', major: '1' }, os: { name: 'Linux' }, device: 'desktop', page: '/old', action: 'view' };
    await UsageEvent.insertMany([
      { ...base, at: new Date(Date.now() - 91 * day) },
      { ...base, at: new Date(Date.now() - 200 * day) },
      { ...base, at: new Date(Date.now() - 89 * day) },
    ]);
    const aggregates = await UsageDaily.countDocuments();
    const before = await UsageEvent.countDocuments();
    const result = await engine.deps.temporal.workflow.execute('retentionSweep', { taskQueue: engine.config.temporal.taskQueue, workflowId: `usage-sweep-test-${Date.now()}` });
    expect(result).toEqual({ expiredApiTokensDeleted: 0, oldUsageEventsDeleted: 2 });
    expect(await UsageEvent.countDocuments()).toBe(before - 2);
    expect(await UsageEvent.countDocuments({ userId: 'usr_old' })).toBe(1);
    expect(await UsageDaily.countDocuments()).toBe(aggregates);
  });
});
