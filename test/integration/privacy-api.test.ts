/** Consents, legal holds, processors and the audit log over HTTP, with their roles and their audit trail. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';

let engine: Engine;
let ops: HttpSession;
let engineer: HttpSession;
let admin: HttpSession;
let adminEmail: string;
const accountId = `acc_${'ab'.repeat(16)}`;

beforeAll(async () => {
  engine = await startEngine({ worker: false });
  const [o, e, a] = await Promise.all([addUser(engine, ['ops']), addUser(engine, ['engineer']), addUser(engine, ['admin'])]);
  adminEmail = a.email;
  [ops, engineer, admin] = await Promise.all([HttpSession.signIn(engine.baseUrl, o.email), HttpSession.signIn(engine.baseUrl, e.email), HttpSession.signIn(engine.baseUrl, a.email)]);
});
afterAll(() => engine?.close());

describe('consents API', () => {
  it('records a grant and a revocation, effective at once, with the history', async () => {
    const subject = `/api/consents/${accountId}/technician/tec_42`;
    const change = { accountId, subjectType: 'technician', subjectId: 'tec_42', category: 'location', policyVersion: '2026-03', source: 'mobile-app' };
    expect((await ops.request('POST', '/api/consents', { ...change, granted: true })).status).toBe(201);
    let state = await ops.request('GET', subject);
    expect(state.json.current.find((c: { category: string }) => c.category === 'location').granted).toBe(true);
    expect((await ops.request('POST', '/api/consents', { ...change, granted: false })).status).toBe(201);
    state = await ops.request('GET', subject);
    expect(state.json.current.find((c: { category: string }) => c.category === 'location').granted).toBe(false);
    expect(state.json.history.map((h: { granted: boolean }) => h.granted)).toEqual([true, false]);
  });

  it('answers bad input with every failing field', async () => {
    const res = await ops.request('POST', '/api/consents', { accountId: 'nope', subjectType: 'alien', category: 'location', granted: 'yes' });
    expect(res.status).toBe(400);
    expect(res.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ['/body/accountId', '/body/granted', '/body/policyVersion', '/body/source', '/body/subjectId', '/body/subjectType'].sort(),
    );
  });
});

describe('legal holds API', () => {
  it('only admins place and release holds', async () => {
    const body = { accountId, reference: 'CASE-1' };
    expect((await ops.request('POST', '/api/legal-holds', body)).status).toBe(403);
    const placed = await admin.request('POST', '/api/legal-holds', body);
    expect(placed.status).toBe(201);
    expect((await ops.request('GET', `/api/legal-holds?accountId=${accountId}`)).json.holds).toHaveLength(1);
    expect((await admin.request('POST', `/api/legal-holds/${placed.json.id}/release`)).status).toBe(200);
    expect((await admin.request('POST', `/api/legal-holds/${placed.json.id}/release`)).status).toBe(404);
    expect((await ops.request('GET', `/api/legal-holds?accountId=${accountId}`)).json.holds).toHaveLength(0);
  });
});

describe('processors API', () => {
  it('admins register processors; staff read the register', async () => {
    const processor = { name: 'Mail relay GmbH', purpose: 'transactional mail', dataCategories: ['email address'], location: 'EU (Germany)' };
    expect((await ops.request('POST', '/api/processors', processor)).status).toBe(403);
    expect((await admin.request('POST', '/api/processors', processor)).status).toBe(201);
    expect((await admin.request('POST', '/api/processors', processor)).status).toBe(409);
    const list = await engineer.request('GET', '/api/processors');
    expect(list.json.processors).toEqual([expect.objectContaining({ name: 'Mail relay GmbH', location: 'EU (Germany)' })]);
  });
});

describe('audit API', () => {
  it('has recorded the sign-ins and admin actions, without personal data, and verifies', async () => {
    const res = await engineer.request('GET', '/api/audit?limit=500');
    expect(res.status).toBe(200);
    const actions = res.json.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.login.succeeded', 'consent.granted', 'consent.revoked', 'legal-hold.placed', 'legal-hold.released', 'processor.added']));
    expect(JSON.stringify(res.json)).not.toContain(adminEmail);
    expect((await ops.request('GET', '/api/audit')).status).toBe(403);
    expect((await engineer.request('GET', '/api/audit/verify')).json).toMatchObject({ ok: true });
  });

  it('reports tampering through the API, and exports JSON Lines for admins', async () => {
    const exported = await admin.request('GET', '/api/audit/export');
    expect(exported.headers.get('content-type')).toContain('application/jsonl');
    const lines = exported.text.trim().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    await engine.deps.models.AuditEntry.updateOne({ _id: 3 }, { $set: { action: 'auth.logout' } });
    expect((await engineer.request('GET', '/api/audit/verify')).json).toMatchObject({ ok: false, firstBad: { seq: 3, problem: 'edited' } });
  });
});
