/**
 * Privacy-policy versions over HTTP: the seeded version 1, publishing (validation, roles, idempotency, conflicts,
 * the audit trail), the notice broadcast it starts, and each user's seen/accepted marks with the admin's counts.
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { mailTo } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';

let engine: Engine;
let ops: HttpSession;
let engineer: HttpSession;
let admin: HttpSession;
let emails: string[];

const seedText = await readFile(new URL('../../policy/privacy-policy-v1.txt', import.meta.url), 'utf8');
// Workflow IDs are unique per namespace, and the test files share one Temporal server: a version of this file's own.
const V = 2 + Math.floor(Math.random() * 900_000);
const v2 = {
  version: V,
  effectiveAt: '2026-03-01T00:00:00Z',
  summary: 'Location data of technicians is kept for 30 days instead of 90.',
  text: `${seedText}\nLocation data is kept for 30 days.\n`,
};

beforeAll(async () => {
  engine = await startEngine({ env: { POLICY_NOTICE_BATCH_SIZE: '2', POLICY_NOTICE_BATCH_PAUSE: '100ms' } });
  const users = await Promise.all([addUser(engine, ['ops']), addUser(engine, ['engineer']), addUser(engine, ['admin'])]);
  emails = users.map((u) => u.email);
  [ops, engineer, admin] = (await Promise.all(users.map((u) => HttpSession.signIn(engine.baseUrl, u.email)))) as [HttpSession, HttpSession, HttpSession];
});
afterAll(() => engine?.close());

describe('policy versions API', () => {
  it('starts with version 1, the shipped policy text', async () => {
    const list = await engineer.request('GET', '/api/policy/versions');
    expect(list.status).toBe(200);
    expect(list.json.versions).toEqual([
      expect.objectContaining({ version: 1, publishedBy: 'seed', effectiveAt: '2025-11-28T00:00:00.000Z', sha256: createHash('sha256').update(seedText).digest('hex') }),
    ]);
    expect(list.json.versions[0].text).toBeUndefined();
    const current = await ops.request('GET', '/api/policy/current');
    expect(current.json.policy).toMatchObject({ version: 1, text: seedText });
    expect(current.json.me).toEqual({ version: 1, notifiedAt: null, seenAt: null, acceptedAt: null });
  });

  it('answers bad input with every failing field, and only admins publish', async () => {
    const bad = await admin.request('POST', '/api/policy/versions', { version: 0, effectiveAt: 'next Tuesday', summary: '', text: 42, by: 'me' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/body/by', '/body/effectiveAt', '/body/summary', '/body/text', '/body/version']);
    const wrongHash = await admin.request('POST', '/api/policy/versions', { ...v2, sha256: 'a'.repeat(64) });
    expect(wrongHash.status).toBe(400);
    expect(wrongHash.json.errors).toEqual([{ path: '/body/sha256', message: 'does not match the SHA-256 of text' }]);
    expect((await ops.request('POST', '/api/policy/versions', v2)).status).toBe(403);
    expect((await engineer.request('GET', '/api/policy/versions/1/stats')).status).toBe(403);
    expect((await new HttpSession(engine.baseUrl).request('GET', '/api/policy/current')).status).toBe(401);
    expect((await admin.request('GET', '/api/policy/versions/1')).json.publishedBy).toBe('seed');
  });

  it('publishes a new version once: the notice reaches every user once, a repeat answers with the same broadcast', async () => {
    const published = await admin.request('POST', '/api/policy/versions', { ...v2, sha256: createHash('sha256').update(v2.text).digest('hex') });
    expect(published.status).toBe(202);
    expect(published.json).toMatchObject({ version: V, alreadyPublished: false, broadcast: { workflowId: `policy-change-broadcast-v${V}` } });

    const again = await admin.request('POST', '/api/policy/versions', v2);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ alreadyPublished: true, broadcast: { workflowId: `policy-change-broadcast-v${V}`, runId: published.json.broadcast.runId } });
    expect((await admin.request('POST', '/api/policy/versions', { ...v2, summary: 'Something else' })).status).toBe(409);
    expect((await admin.request('POST', '/api/policy/versions', { ...v2, version: 1 })).status).toBe(409);
    expect((await admin.request('POST', '/api/policy/versions', { ...v2, version: V - 1 })).status).toBe(409); // versions only go up

    const stats = await waitFor('the broadcast to finish', async () => {
      const s = await admin.request('GET', `/api/policy/versions/${V}/stats`);
      return s.json.broadcast?.status === 'COMPLETED' ? s.json : undefined;
    });
    expect(stats).toMatchObject({
      version: V,
      users: { active: 3, notified: 3, seen: 0, accepted: 0 },
      accountOwners: { active: 0, notified: 0 },
      broadcast: { progress: { total: 3, sent: 3, batches: 2, done: true } },
    });
    for (const email of emails) {
      const mails = await mailTo(email);
      expect(mails.map((m) => m.subject), email).toEqual([`Changes to the LORO CRM privacy policy (version ${V})`]);
      expect(mails[0]!.text).toContain(v2.summary);
    }
    // Listed newest first.
    expect((await ops.request('GET', '/api/policy/versions')).json.versions.map((v: { version: number }) => v.version)).toEqual([V, 1]);
  });

  it('records what each signed-in user has seen and accepted, the first time only', async () => {
    const current = await ops.request('GET', '/api/policy/current');
    expect(current.json.policy).toMatchObject({ version: V, text: v2.text });
    expect(current.json.me).toMatchObject({ version: V, seenAt: null, acceptedAt: null, notifiedAt: expect.any(String) });

    const stale = await ops.request('POST', '/api/policy/current/accept', { version: 1 });
    expect(stale.status).toBe(409);
    expect((await ops.request('POST', '/api/policy/current/accept', { version: 'two' })).status).toBe(400);

    const seen = await ops.request('POST', '/api/policy/current/seen', { version: V });
    expect(seen.status).toBe(200);
    expect(seen.json.seenAt).toEqual(expect.any(String));
    expect(seen.json.acceptedAt).toBeNull();
    const accepted = await ops.request('POST', '/api/policy/current/accept', { version: V });
    expect(accepted.json).toMatchObject({ seenAt: seen.json.seenAt, acceptedAt: expect.any(String) });
    const repeated = await ops.request('POST', '/api/policy/current/accept', { version: V });
    expect(repeated.json).toEqual(accepted.json);
    expect((await engineer.request('POST', '/api/policy/current/seen', { version: V })).status).toBe(200);

    expect((await admin.request('GET', `/api/policy/versions/${V}/stats`)).json).toMatchObject({ users: { active: 3, notified: 3, seen: 2, accepted: 1 } });
    expect((await ops.request('GET', '/api/policy/current')).json.me).toEqual(accepted.json);
  });

  it('audits publishing and acceptance by ID, and the chain verifies', async () => {
    const entries = await engine.deps.models.AuditEntry.find({ action: /^policy\./ }).sort({ _id: 1 }).lean();
    expect(entries.map((e) => [e.action, e.target?.id, e.actor?.kind])).toEqual([
      ['policy.published', String(V), 'user'],
      ['policy.accepted', String(V), 'user'],
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/@staff\.loro\.example/);
    expect(await createAuditLog(engine.deps.models.AuditEntry).verify()).toMatchObject({ ok: true });
  });
});
