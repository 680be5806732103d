/**
 * Sequences and enrollments over HTTP on the dev server: a bad definition is answered with every error, editing
 * makes a version that running enrollments do not see, a second enrollment answers with the first, and the
 * one-click unsubscribe: a forged token changes nothing (403), a genuine one revokes the marketing consent and
 * stops the running enrollment within seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { createConsents } from '../../lib/consents.ts';
import { createLinkSigner } from '../../lib/signed-links.ts';
import { nurturingLinks } from '../../lib/nurturing-links.ts';
import { nurturingStateQuery } from '../../workflows/lead-nurturing.ts';
import { ALWAYS_OPEN } from '../fixtures/sequences.ts';

let engine: Engine;
let ops: HttpSession;
let accountId: string;

beforeAll(async () => {
  engine = await startEngine();
  ops = await HttpSession.signIn(engine.baseUrl, (await addUser(engine, ['ops'])).email);
  accountId = `acc_${randomBytes(16).toString('hex')}`;
  await engine.deps.models.Account.create({ _id: accountId, name: 'Unsub GmbH', owner: { name: 'Olga Owner', email: uniqueEmail('owner') } });
});
afterAll(() => engine?.close());

/** Starts with a long wait: nothing is mailed while the test runs. */
const definition = (name: string) => ({
  name,
  sendWindow: ALWAYS_OPEN,
  steps: [
    { id: 'settle', type: 'wait', duration: 'P7D' },
    { id: 'intro', type: 'email', category: 'marketing', subject: 'Hello {{lead.firstName}}', body: 'Hi' },
  ],
});

async function newLead() {
  const leadId = `led_${randomBytes(16).toString('hex')}`;
  await engine.deps.models.Lead.create({ _id: leadId, accountId, name: 'Lena Lead', email: uniqueEmail('lead'), timeZone: 'Europe/Vienna' });
  await createConsents(engine.deps.models.Consent).record({ accountId, subjectType: 'lead', subjectId: leadId, category: 'marketing', granted: true, policyVersion: '1', source: 'api' });
  return leadId;
}

describe('sequences API', () => {
  it('answers a bad definition with every error at once', async () => {
    const res = await ops.request('POST', '/api/sequences', {
      accountId,
      definition: {
        name: 'Broken',
        steps: [
          { id: 'a', type: 'email', category: 'marketing', subject: 'Hi {{lead.nickname}}', body: 'x' },
          { id: 'b', type: 'wait', duration: '-P1D' },
          { id: 'c', type: 'carrier-pigeon' },
          { id: 'd', type: 'branch', on: 'opened', within: 'P2D', then: 'nowhere' },
        ],
      },
    });
    expect(res.status).toBe(400);
    const errors = res.json.errors as { path: string; message: string }[];
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: '/body/definition/steps/0/subject', message: expect.stringContaining('unknown template variable {{lead.nickname}}') },
        { path: '/body/definition/steps/1/duration', message: 'must not be negative' },
        { path: '/body/definition/steps/2/type', message: expect.stringContaining("unknown step type 'carrier-pigeon'") },
        { path: '/body/definition/steps/3/then', message: "goto to a missing step 'nowhere'" },
      ]),
    );
    expect(errors).toHaveLength(4);
    expect(await engine.deps.models.Sequence.countDocuments({ accountId })).toBe(0);
  });

  it('versions, enrolls once, refuses a forged unsubscribe and honours a genuine one', async () => {
    const created = await ops.request('POST', '/api/sequences', { accountId, definition: definition('Welcome') });
    expect(created.status).toBe(201);
    const sequenceId = created.json.id as string;
    const leadId = await newLead();

    const first = await ops.request('POST', `/api/sequences/${sequenceId}/enrollments`, { leadId });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ sequenceId, leadId, version: 1, existing: false, workflowId: `lead-nurturing-${accountId}-${leadId}-${sequenceId}` });

    // A new version: new enrollments get it; the running one keeps version 1.
    const edited = await ops.request('POST', `/api/sequences/${sequenceId}/versions`, { definition: definition('Welcome, shorter') });
    expect(edited.status).toBe(201);
    expect(edited.json.version).toBe(2);
    const again = await ops.request('POST', `/api/sequences/${sequenceId}/enrollments`, { leadId });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ ...first.json, existing: true });
    const state = await waitFor('the enrollment to load its plan', async () => {
      const r = await ops.request('GET', `/api/sequences/${sequenceId}/enrollments/${leadId}`);
      return r.json?.status === 'running' && r;
    });
    expect(state.json).toMatchObject({ version: 1, status: 'running', currentStep: { id: 'settle' }, timeZone: 'Europe/Vienna' });

    const handle = engine.deps.temporal.workflow.getHandle(first.json.workflowId);
    const consentsBefore = await engine.deps.models.Consent.countDocuments({ subjectId: leadId });
    const links = nurturingLinks(createLinkSigner(engine.deps.keyring), engine.baseUrl);
    const { token } = await links.unsubscribe(first.json.workflowId);
    const [body, signature] = token.split('.');
    const forgedSubject = Buffer.from(JSON.stringify({ p: 'unsubscribe', s: first.json.workflowId, e: 4_102_444_800 })).toString('base64url');
    for (const forged of [`${forgedSubject}.${signature}`, `${body}.${'A'.repeat(signature!.length)}`, 'not-a-token']) {
      const res = await fetch(`${engine.baseUrl}/api/unsubscribe/${forged}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      expect(res.status).toBe(403);
    }
    // Nothing changed: no consent record, the enrollment runs on and heard of no opt-out.
    expect(await engine.deps.models.Consent.countDocuments({ subjectId: leadId })).toBe(consentsBefore);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await handle.query(nurturingStateQuery)).log.map((e) => e.event)).not.toContain('opted-out');

    // A GET only confirms (link scanners prefetch); the one-click POST unsubscribes.
    const page = await fetch(`${engine.baseUrl}/api/unsubscribe/${token}`);
    expect(page.status).toBe(200);
    expect(await engine.deps.models.Consent.countDocuments({ subjectId: leadId })).toBe(consentsBefore);
    const res = await fetch(`${engine.baseUrl}/api/unsubscribe/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ unsubscribed: true, enrollmentsSignalled: 1 });
    const consent = (await createConsents(engine.deps.models.Consent).current({ accountId, subjectType: 'lead', subjectId: leadId })).find((c) => c.category === 'marketing');
    expect(consent).toMatchObject({ granted: false, source: 'unsubscribe-link' });
    expect(await handle.result()).toEqual({ outcome: 'stopped', reason: 'the lead opted out of marketing' });
    await waitFor('the enrollment record to follow', async () => (await engine.deps.models.Enrollment.findById(first.json.workflowId).lean())?.status === 'stopped');
  });
});
