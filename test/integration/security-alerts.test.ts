/**
 * Security alert mails over HTTP against the real stack: a sign-in from a new device, a password change, an API
 * token created, a role change and an email change each mail the user exactly once (the email change: the old
 * address), through the `securityAlert` workflow; a known device raises nothing; a second start of the same
 * alert mails nothing more. Each alert is in the audit chain, naming the user by ID only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, HttpSession, startEngine, TEST_PASSWORD, type Engine } from '../fixtures/engine.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { createSecurityAlerts } from '../../api/security-alerts.ts';
import type { SecurityEventKind } from '../../models/security-event.ts';

const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const CHROME_LINUX_UPDATED = CHROME_LINUX.replace('124.0.0.0', '125.0.0.0');
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine();
});
afterAll(() => engine?.close());

/** A browser-like client: its own cookie jar and user agent. */
async function signIn(email: string, userAgent: string, password = TEST_PASSWORD) {
  const s = new HttpSession(engine.baseUrl, { 'user-agent': userAgent });
  const res = await s.request('POST', '/api/auth/login', { email, password });
  expect(res.status, res.text).toBe(200);
  return s;
}

const eventsOf = (userId: string, kind: SecurityEventKind) => engine.deps.models.SecurityEvent.find({ userId, kind }).sort({ at: 1 }).lean();

/** Waits until the alert workflow of `eventId` has finished (its mail is then in the sink, or was never sent). */
const finished = (eventId: string) => engine.deps.temporal.workflow.getHandle(workflowIds.securityAlert(eventId)).result();

/** The one alert of `kind` for the user: its workflow completed, and exactly one mail with `subject` to `to`. */
async function expectOneAlert(userId: string, kind: SecurityEventKind, to: string, subject: string) {
  const [event, ...more] = await waitFor(`a ${kind} event`, async () => {
    const events = await eventsOf(userId, kind);
    return events.length ? events : undefined;
  });
  expect(more).toEqual([]);
  await finished(event!._id);
  const mails = (await mailTo(to)).filter((m) => m.subject === subject);
  expect(mails).toHaveLength(1);
  // The mail ledger holds the send under the workflow's business key.
  const ledger = await engine.deps.models.Notification.findById(`${workflowIds.securityAlert(event!._id)}:security-alert`).lean();
  expect(ledger).toMatchObject({ status: 'sent', kind: `security-alert.${kind}` });
  // The audit chain: the alert raised, and the workflow's milestone — by ID only.
  const audit = await engine.deps.models.AuditEntry.find({ 'target.id': userId, action: { $in: [`security-alert.${kind}`, 'workflow.security-alert.mailed'] } }).lean();
  expect(audit.filter((a) => a.action === `security-alert.${kind}`).map((a) => (a.details as { eventId: string }).eventId)).toEqual([event!._id]);
  expect(audit.filter((a) => a.action === 'workflow.security-alert.mailed').map((a) => a.actor?.id)).toContain(workflowIds.securityAlert(event!._id));
  expect(JSON.stringify(audit)).not.toContain(to);
  return { event: event!, mail: mails[0]! };
}

describe('security alerts', () => {
  it('mails once for a sign-in from a new device, never for a known one, and once for parallel sign-ins from another new device', async () => {
    const user = await addUser(engine, ['ops'], uniqueEmail('device'));
    // The first device a user ever signs in from is remembered without an alert.
    await signIn(user.email, CHROME_LINUX);
    await signIn(user.email, CHROME_LINUX);
    // A browser update is the same device (the family counts, not the version).
    await signIn(user.email, CHROME_LINUX_UPDATED);
    expect(await eventsOf(user.id, 'new-device')).toEqual([]);
    const devices = await engine.deps.models.KnownDevice.find({ userId: user.id }).lean();
    expect(devices).toHaveLength(1);
    expect(devices[0]!._id).toMatch(/^[0-9a-f]{32}$/);

    await signIn(user.email, FIREFOX_WINDOWS);
    const { mail } = await expectOneAlert(user.id, 'new-device', user.email, 'New sign-in to your LORO engine account');
    expect(mail.text).toContain(`Hello ${user.name}`);
    expect(mail.text).toContain('Firefox on Windows (desktop), network 127.0.0.0/24');

    // Known now: signing in again from it raises no event, hence no workflow and no mail.
    await signIn(user.email, FIREFOX_WINDOWS);
    expect(await eventsOf(user.id, 'new-device')).toHaveLength(1);

    // Two parallel sign-ins from one more new device: one event, one mail.
    await Promise.all([signIn(user.email, SAFARI_IPHONE), signIn(user.email, SAFARI_IPHONE)]);
    const events = await eventsOf(user.id, 'new-device');
    expect(events).toHaveLength(2);
    await Promise.all(events.map((e) => finished(e._id)));
    const newDevice = (await mailTo(user.email)).filter((m) => m.subject === 'New sign-in to your LORO engine account');
    expect(newDevice).toHaveLength(2);
    expect(newDevice.filter((m) => m.text.includes('Mobile Safari on iOS (mobile)'))).toHaveLength(1);

    // The stored devices are keyed hashes: no user agent, no address in them.
    const raw = await engine.deps.mongo.getClient().db(engine.deps.mongo.name).collection('known_devices').find({ userId: user.id }).toArray();
    expect(raw).toHaveLength(3);
    expect(JSON.stringify(raw)).not.toMatch(/firefox|safari|chrome|127\.0\.0/i);
  });

  it('a second start of the same alert (a retry) mails nothing more', async () => {
    const user = await addUser(engine, ['ops'], uniqueEmail('retry'));
    const alerts = createSecurityAlerts(engine.deps);
    const eventId = await alerts.raise({ kind: 'password-changed', userId: user.id, actor: { kind: 'system' } });
    await expectOneAlert(user.id, 'password-changed', user.email, 'Your LORO engine password was changed');
    // Raised again under the same event ID after its workflow completed: a new run finds the mail in the ledger.
    expect(await alerts.raise({ kind: 'password-changed', userId: user.id, actor: { kind: 'system' }, eventId })).toBe(eventId);
    const { runId } = await engine.deps.temporal.workflow.getHandle(workflowIds.securityAlert(eventId)).describe();
    await engine.deps.temporal.workflow.getHandle(workflowIds.securityAlert(eventId), runId).result();
    expect((await mailTo(user.email)).filter((m) => m.subject === 'Your LORO engine password was changed')).toHaveLength(1);
    expect(await eventsOf(user.id, 'password-changed')).toHaveLength(1);
  });

  it('a password change needs the current password and mails an alert once', async () => {
    const user = await addUser(engine, ['engineer'], uniqueEmail('password'));
    const s = await signIn(user.email, CHROME_LINUX);
    const wrong = await s.request('POST', '/api/profile/password', { currentPassword: 'not my password', newPassword: 'a brand new password 456' });
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
    expect(wrong.json.errors).toEqual([{ path: '/body/currentPassword', message: 'is not your current password' }]);
    const weak = await s.request('POST', '/api/profile/password', { currentPassword: TEST_PASSWORD, newPassword: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.json.errors.map((e: { path: string }) => e.path)).toEqual(['/body/newPassword']);
    expect(await eventsOf(user.id, 'password-changed')).toEqual([]);

    const ok = await s.request('POST', '/api/profile/password', { currentPassword: TEST_PASSWORD, newPassword: 'a brand new password 456' });
    expect(ok.status, ok.text).toBe(204);
    const { mail } = await expectOneAlert(user.id, 'password-changed', user.email, 'Your LORO engine password was changed');
    expect(mail.text).toContain('If this was not you');

    expect((await new HttpSession(engine.baseUrl).request('POST', '/api/auth/login', { email: user.email, password: TEST_PASSWORD })).status).toBe(401);
    await signIn(user.email, CHROME_LINUX, 'a brand new password 456');
    expect((await engine.deps.models.AuditEntry.find({ 'target.id': user.id, action: 'auth.password.changed' }).lean()).map((a) => a.actor?.id)).toEqual([user.id]);
  });

  it('creating an API token mails the admin who created it, once', async () => {
    const admin = await addUser(engine, ['admin'], uniqueEmail('token-admin'));
    const s = await signIn(admin.email, CHROME_LINUX);
    const res = await s.request('POST', '/api/tokens', { name: 'CRM sync', scopes: ['accounts:read'] });
    expect(res.status, res.text).toBe(201);
    const { mail, event } = await expectOneAlert(admin.id, 'api-token-created', admin.email, 'An API token was created with your LORO engine account');
    expect(mail.text).toContain(`token ${res.json.id}`);
    expect(mail.text).toContain('scopes accounts:read');
    // The secret is nowhere near the alert.
    expect(mail.text).not.toContain(res.json.token);
    expect(JSON.stringify(event)).not.toContain(res.json.token);
  });

  it('a role change mails the user whose roles changed, once; setting the same roles again changes nothing', async () => {
    const admin = await addUser(engine, ['admin'], uniqueEmail('role-admin'));
    const user = await addUser(engine, ['ops'], uniqueEmail('role-user'));
    const s = await signIn(admin.email, CHROME_LINUX);
    const userSession = await signIn(user.email, CHROME_LINUX);

    const bad = await s.request('PUT', `/api/users/${user.id}/roles`, { roles: ['root'] });
    expect(bad.status).toBe(400);
    expect((await userSession.request('PUT', `/api/users/${user.id}/roles`, { roles: ['admin'] })).status).toBe(403);
    expect((await s.request('PUT', `/api/users/usr_${'0'.repeat(32)}/roles`, { roles: ['ops'] })).status).toBe(404);

    const res = await s.request('PUT', `/api/users/${user.id}/roles`, { roles: ['engineer', 'ops'] });
    expect(res.status, res.text).toBe(200);
    expect(res.json.user.roles).toEqual(['engineer', 'ops']);
    expect((await userSession.request('GET', '/api/auth/me')).json.user.roles).toEqual(['engineer', 'ops']);
    const { mail } = await expectOneAlert(user.id, 'role-changed', user.email, 'Your roles in the LORO engine changed');
    expect(mail.text).toContain('before: ops');
    expect(mail.text).toContain('now:    engineer, ops');
    expect(await mailTo(admin.email).then((m) => m.filter((x) => x.subject.includes('roles')))).toEqual([]);

    const same = await s.request('PUT', `/api/users/${user.id}/roles`, { roles: ['ops', 'engineer'] });
    expect(same.status).toBe(200);
    expect(await eventsOf(user.id, 'role-changed')).toHaveLength(1);
    const audit = await engine.deps.models.AuditEntry.find({ 'target.id': user.id, action: 'user.roles-changed' }).lean();
    expect(audit.map((a) => [a.actor?.id, a.details])).toEqual([[admin.id, { before: ['ops'], after: ['engineer', 'ops'] }]]);
  });

  it('an email change mails the old address, once, and nothing to the new one', async () => {
    const oldEmail = uniqueEmail('old-address');
    const newEmail = uniqueEmail('new-address');
    const user = await addUser(engine, ['ops'], oldEmail);
    const s = await signIn(oldEmail, CHROME_LINUX);
    const res = await s.request('PATCH', '/api/profile', { email: newEmail.toUpperCase() });
    expect(res.status, res.text).toBe(200);
    expect(res.json.profile.email).toBe(newEmail);
    const { mail, event } = await expectOneAlert(user.id, 'email-changed', oldEmail, 'The email address of your LORO engine account was changed');
    expect(mail.to).toEqual([oldEmail]);
    expect(mail.text).not.toContain(newEmail);
    expect(await mailTo(newEmail)).toEqual([]);
    expect(event.recipient).toBe(oldEmail);
    // The old address is kept for the mail only, encrypted.
    const raw = await engine.deps.mongo.getClient().db(engine.deps.mongo.name).collection('security_events').findOne({ _id: event._id as never });
    expect(String(raw!.recipient)).toMatch(/^v1\./);
    expect(JSON.stringify(raw)).not.toContain(oldEmail.split('@')[0]);
    expect(await createAuditLog(engine.deps.models.AuditEntry).verify()).toMatchObject({ ok: true });
  });
});
