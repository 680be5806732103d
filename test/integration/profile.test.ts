/**
 * Self-service over HTTP: a signed-in user reads and corrects their own name and address; corrections are
 * audited by field name without values; bad input is a problem+json 400 naming every failing field; an address
 * another user has is refused (the blind index stays unique); API tokens and anonymous callers get nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { uniqueEmail } from '../fixtures/mail.ts';
import { findUserByEmail } from '../../lib/users.ts';

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine();
});
afterAll(() => engine?.close());

function expectProblem(res: { status: number; headers: Headers; json: any }, status: number) {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.json).toMatchObject({ status, type: expect.stringMatching(/^https:\/\//), title: expect.any(String) });
}

describe('profile (self-service access and correction)', () => {
  it('reads the signed-in user’s own data', async () => {
    const user = await addUser(engine, ['engineer'], uniqueEmail('reader'));
    const s = await HttpSession.signIn(engine.baseUrl, user.email);
    const res = await s.request('GET', '/api/profile');
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ profile: { id: user.id, name: user.name, email: user.email, roles: ['engineer'] } });
  });

  it('corrects the name, audits which field changed without its value, and the change is what everyone reads', async () => {
    const user = await addUser(engine, ['ops'], uniqueEmail('corrector'));
    const s = await HttpSession.signIn(engine.baseUrl, user.email);
    const res = await s.request('PATCH', '/api/profile', { name: '  Corinna Corrected-Name  ' });
    expect(res.status, res.text).toBe(200);
    expect(res.json.profile).toEqual({ id: user.id, name: 'Corinna Corrected-Name', email: user.email, roles: ['ops'] });
    expect((await s.request('GET', '/api/auth/me')).json.user.name).toBe('Corinna Corrected-Name');
    expect((await s.request('GET', '/api/profile')).json.profile.name).toBe('Corinna Corrected-Name');

    const audit = await engine.deps.models.AuditEntry.find({ 'target.id': user.id, action: 'profile.corrected' }).lean();
    expect(audit.map((a) => [a.actor, a.details])).toEqual([[{ kind: 'user', id: user.id }, { fields: ['name'] }]]);
    expect(JSON.stringify(audit)).not.toMatch(/Corrected-Name|Test ops/);
    // Stored encrypted, like every name.
    const raw = await engine.deps.mongo.getClient().db(engine.deps.mongo.name).collection('users').findOne({ _id: user.id as never });
    expect(JSON.stringify(raw)).not.toContain('Corrected-Name');

    // The same value again is no correction: nothing more is audited.
    expect((await s.request('PATCH', '/api/profile', { name: 'Corinna Corrected-Name', email: user.email.toUpperCase() })).status).toBe(200);
    expect(await engine.deps.models.AuditEntry.countDocuments({ 'target.id': user.id, action: 'profile.corrected' })).toBe(1);
    expect(await engine.deps.models.SecurityEvent.countDocuments({ userId: user.id })).toBe(0);
  });

  it('corrects the address: the old one no longer signs in, the new one does; audited as "email"', async () => {
    const oldEmail = uniqueEmail('moving');
    const newEmail = uniqueEmail('moved');
    const user = await addUser(engine, ['ops'], oldEmail);
    const s = await HttpSession.signIn(engine.baseUrl, oldEmail);
    const res = await s.request('PATCH', '/api/profile', { email: ` ${newEmail} ` });
    // Surrounding spaces fail the email format: the address is taken as typed, not guessed at.
    expectProblem(res, 400);
    const ok = await s.request('PATCH', '/api/profile', { email: newEmail });
    expect(ok.status, ok.text).toBe(200);
    expect(await findUserByEmail(engine.deps.models, oldEmail)).toBeNull();
    expect((await findUserByEmail(engine.deps.models, newEmail))?._id).toBe(user.id);
    await HttpSession.signIn(engine.baseUrl, newEmail);
    const audit = await engine.deps.models.AuditEntry.find({ 'target.id': user.id, action: 'profile.corrected' }).lean();
    expect(audit.map((a) => a.details)).toEqual([{ fields: ['email'] }]);
    expect(JSON.stringify(audit)).not.toContain(newEmail.split('@')[0]);
  });

  it('refuses an address another user has, in any spelling (409), and changes nothing', async () => {
    const taken = await addUser(engine, ['ops'], uniqueEmail('taken'));
    const user = await addUser(engine, ['ops'], uniqueEmail('wants-it'));
    const s = await HttpSession.signIn(engine.baseUrl, user.email);
    const res = await s.request('PATCH', '/api/profile', { name: 'Should Not Stick', email: taken.email.toUpperCase() });
    expectProblem(res, 409);
    expect(res.text).not.toContain(taken.email);
    expect((await s.request('GET', '/api/profile')).json.profile).toMatchObject({ email: user.email, name: user.name });
    expect(await engine.deps.models.AuditEntry.countDocuments({ 'target.id': user.id, action: 'profile.corrected' })).toBe(0);
    expect(await engine.deps.models.SecurityEvent.countDocuments({ userId: user.id })).toBe(0);
  });

  it('answers bad input with problem+json 400 listing every failing field', async () => {
    const user = await addUser(engine, ['ops'], uniqueEmail('bad-input'));
    const s = await HttpSession.signIn(engine.baseUrl, user.email);
    const res = await s.request('PATCH', '/api/profile', { name: '   ', email: 'not an address', roles: ['admin'] });
    expectProblem(res, 400);
    expect(res.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/body/email', '/body/name', '/body/roles']);
    expect(res.json.errors.find((e: { path: string }) => e.path === '/body/roles').message).toBe('is not an accepted field');
    // Nothing to correct is not a correction either.
    expectProblem(await s.request('PATCH', '/api/profile', {}), 400);
    expect((await s.request('PATCH', '/api/profile', { name: 'x'.repeat(201) })).json.errors.map((e: { path: string }) => e.path)).toEqual(['/body/name']);
    // Roles are not self-service: still the ones the admin gave.
    expect((await s.request('GET', '/api/profile')).json.profile).toMatchObject({ name: user.name, roles: ['ops'] });
  });

  it('gives anonymous callers 401 and API tokens 403: a profile belongs to a signed-in person', async () => {
    expectProblem(await new HttpSession(engine.baseUrl).request('GET', '/api/profile'), 401);
    expectProblem(await new HttpSession(engine.baseUrl).request('PATCH', '/api/profile', { name: 'Anon' }), 401);
    const admin = await addUser(engine, ['admin'], uniqueEmail('token-maker'));
    const s = await HttpSession.signIn(engine.baseUrl, admin.email);
    const token = await s.request('POST', '/api/tokens', { name: 'everything', scopes: ['accounts:read', 'accounts:write', 'workflows:read'] });
    expect(token.status).toBe(201);
    const bearer = new HttpSession(engine.baseUrl, { authorization: `Bearer ${token.json.token}` });
    expectProblem(await bearer.request('GET', '/api/profile'), 403);
    expectProblem(await bearer.request('POST', '/api/profile/password', { currentPassword: 'x', newPassword: 'y'.repeat(12) }), 403);
  });
});
