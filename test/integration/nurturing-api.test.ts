/**
 * Nurturing over HTTP on the dev server with a worker: automatic enrollment of new leads by a sequence's entry
 * criteria (created one by one and imported from CSV); pause, resume and skip; the open pixel, the click redirect
 * and the reply and bounce webhooks moving the score and ending enrollments; goals reached outside the mail; the
 * preference centre.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { createConsents } from '../../lib/consents.ts';
import { createLinkSigner } from '../../lib/signed-links.ts';
import { nurturingLinks } from '../../lib/nurturing-links.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import type { leadAutoEnrollment } from '../../workflows/lead-auto-enrollment.ts';
import type { leadNurturing } from '../../workflows/lead-nurturing.ts';
import { ALWAYS_OPEN } from '../fixtures/sequences.ts';

let engine: Engine;
let ops: HttpSession;
let admin: HttpSession;
let accountId: string;

beforeAll(async () => {
  engine = await startEngine();
  ops = await HttpSession.signIn(engine.baseUrl, (await addUser(engine, ['ops'])).email);
  admin = await HttpSession.signIn(engine.baseUrl, (await addUser(engine, ['admin'])).email);
  accountId = `acc_${randomBytes(16).toString('hex')}`;
  await engine.deps.models.Account.create({ _id: accountId, name: 'Nurture AG', owner: { name: 'Nora Owner', email: uniqueEmail('owner') } });
});
afterAll(() => engine?.close());

const LATER = { id: 'settle', type: 'wait', duration: 'P7D' };

async function newSequence(definition: Record<string, unknown>) {
  const res = await ops.request('POST', '/api/sequences', { accountId, definition: { sendWindow: ALWAYS_OPEN, ...definition } });
  expect(res.status, res.text).toBe(201);
  return res.json.id as string;
}

async function newLead(source = 'api') {
  const email = uniqueEmail('nurtured');
  const res = await ops.request('POST', `/api/accounts/${accountId}/leads`, { name: 'Nina Lead', email, source, timeZone: 'Europe/Zurich' });
  expect(res.status, res.text).toBe(201);
  const leadId = res.json.id as string;
  await createConsents(engine.deps.models.Consent).record({ accountId, subjectType: 'lead', subjectId: leadId, category: 'marketing', granted: true, policyVersion: '1', source: 'api' });
  return { leadId, email };
}

const nurturing = (leadId: string, sequenceId: string) => engine.deps.temporal.workflow.getHandle<typeof leadNurturing>(workflowIds.leadNurturing(accountId, leadId, sequenceId));
const scoreOf = async (leadId: string) => (await engine.deps.models.Lead.findById(leadId, { score: 1 }).lean())!.score;

describe('automatic enrollment', () => {
  it('enrols new leads that match a sequence’s entry criteria — created through the API and imported from CSV', async () => {
    const webinar = await newSequence({ name: 'Webinar follow-up', entryCriteria: { sources: ['webinar'] }, steps: [LATER, { id: 'intro', type: 'email', category: 'marketing', subject: 'Thanks for joining', body: 'Hi' }] });
    const manual = await newSequence({ name: 'By hand only', steps: [LATER] });

    const matching = await newLead('webinar');
    const auto = engine.deps.temporal.workflow.getHandle<typeof leadAutoEnrollment>(workflowIds.leadAutoEnrollment(accountId, matching.leadId));
    expect(await auto.result()).toEqual({ leads: 1, enrolled: 1, alreadyEnrolled: 0 });
    const record = await engine.deps.models.Enrollment.findById(workflowIds.leadNurturing(accountId, matching.leadId, webinar)).lean();
    expect(record).toMatchObject({ sequenceId: webinar, version: 1, status: 'running', enrolledBy: 'auto' });
    expect((await nurturing(matching.leadId, webinar).describe()).status.name).toBe('RUNNING');
    expect(await engine.deps.models.Enrollment.countDocuments({ leadId: matching.leadId, sequenceId: manual })).toBe(0);

    // A lead from elsewhere matches nothing: not enrolled.
    const other = await newLead('trade-fair');
    const otherAuto = engine.deps.temporal.workflow.getHandle(workflowIds.leadAutoEnrollment(accountId, other.leadId));
    expect(await otherAuto.result()).toEqual({ leads: 1, enrolled: 0, alreadyEnrolled: 0 });
    expect(await engine.deps.models.Enrollment.countDocuments({ leadId: other.leadId })).toBe(0);

    const csv = ['name,email,source', `Ada Import,${uniqueEmail('imp')},webinar`, `Ben Import,${uniqueEmail('imp')},trade-fair`, `Cy Import,${uniqueEmail('imp')},webinar`].join('\n');
    const imported = await fetch(`${engine.baseUrl}/api/accounts/${accountId}/leads/import`, { method: 'POST', headers: { 'content-type': 'text/csv', cookie: ops.cookieHeader }, body: csv });
    const report = (await imported.json()) as { importId: string; imported: number };
    expect(report.imported).toBe(3);
    const importAuto = engine.deps.temporal.workflow.getHandle<typeof leadAutoEnrollment>(workflowIds.leadAutoEnrollment(accountId, report.importId));
    expect(await importAuto.result()).toEqual({ leads: 3, enrolled: 2, alreadyEnrolled: 0 });
    const importedLeads = await engine.deps.models.Lead.find({ importId: report.importId }, { source: 1 }).lean();
    for (const lead of importedLeads) {
      expect(await engine.deps.models.Enrollment.countDocuments({ leadId: lead._id, sequenceId: webinar }), lead.source ?? '').toBe(lead.source === 'webinar' ? 1 : 0);
    }
  });

  it('starts nothing when no sequence of the account takes new leads', async () => {
    const lonely = `acc_${randomBytes(16).toString('hex')}`;
    await engine.deps.models.Account.create({ _id: lonely, name: 'Quiet GmbH', owner: { name: 'Quinn Owner', email: uniqueEmail('owner') } });
    const res = await ops.request('POST', `/api/accounts/${lonely}/leads`, { name: 'Quentin Lead', email: uniqueEmail('quiet'), source: 'webinar' });
    expect(res.status).toBe(201);
    await expect(engine.deps.temporal.workflow.getHandle(workflowIds.leadAutoEnrollment(lonely, res.json.id)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});

describe('running enrollments', () => {
  it('pause, resume and skip through the API; the pixel, the click and a reply move the score and end it', { timeout: 60_000 }, async () => {
    const sequenceId = await newSequence({
      name: 'Engage',
      steps: [LATER, { id: 'intro', type: 'email', category: 'marketing', subject: 'An offer', body: 'See https://offer.example/solar?x=1 today' }, { id: 'later', type: 'wait', duration: 'P7D' }],
    });
    const lead = await newLead();
    expect((await ops.request('POST', `/api/sequences/${sequenceId}/enrollments`, { leadId: lead.leadId })).status).toBe(201);
    const path = `/api/sequences/${sequenceId}/enrollments/${lead.leadId}`;
    await waitFor('the enrollment to start', async () => (await ops.request('GET', path)).json?.currentStep?.id === 'settle');

    const paused = await ops.request('POST', `${path}/pause`);
    expect(paused.json).toMatchObject({ status: 'paused', currentStep: { id: 'settle' } });
    expect((await ops.request('POST', `${path}/pause`)).status).toBe(409); // already paused
    expect((await ops.request('POST', `${path}/resume`)).json).toMatchObject({ status: 'running' });
    expect((await ops.request('POST', `${path}/skip`, { stepId: 'intro' })).status).toBe(409); // not the current step
    expect((await ops.request('POST', `${path}/skip`, { stepId: 'settle' })).status).toBe(200);

    const [mail] = await waitFor('the offer mail', async () => {
      const mails = await mailTo(lead.email);
      return mails.length ? mails : undefined;
    });
    const state = (await ops.request('GET', path)).json;
    expect(state.log.map((e: { event: string }) => e.event)).toEqual(expect.arrayContaining(['paused', 'resumed', 'skip-requested', 'skipped', 'sent']));
    expect(state.currentStep).toMatchObject({ id: 'later' });
    // The workflow monitor reads the same state as a business summary.
    const detail = await ops.request('GET', `/api/workflows/${encodeURIComponent(workflowIds.leadNurturing(accountId, lead.leadId, sequenceId))}`);
    expect(detail.json.summary.headline).toBe('Running: step 3 of 3 (wait)');
    expect(detail.json.searchAttributes).toMatchObject({ LoroAccountId: accountId, LoroLeadId: lead.leadId, LoroSequenceId: sequenceId });

    const local = (url: string) => engine.baseUrl + new URL(url).pathname;
    const pixel = mail!.html!.match(/src="([^"]+\/t\/o\/[^"]+\.gif)"/)![1]!.replace(/&amp;/g, '&');
    const click = mail!.html!.match(/href="([^"]+\/t\/c\/[^"]+)"/)![1]!.replace(/&amp;/g, '&');
    const before = await scoreOf(lead.leadId);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(local(pixel));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/gif');
    }
    expect(await scoreOf(lead.leadId)).toBe(before + 1); // an open counts once
    const redirect = await fetch(local(click), { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://offer.example/solar?x=1');
    expect(await scoreOf(lead.leadId)).toBe(before + 4);
    const tampered = local(click).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await fetch(tampered, { redirect: 'manual' })).status).toBe(403);

    // The relay's reply webhook (admins or a token with engagement:write): a reply is a goal.
    expect((await ops.request('POST', '/api/engagement/replies', { messageId: mail!.messageId })).status).toBe(403);
    const reply = await admin.request('POST', '/api/engagement/replies', { messageId: mail!.messageId });
    expect(reply.json).toMatchObject({ recorded: true, stepId: 'intro' });
    expect(await nurturing(lead.leadId, sequenceId).result()).toEqual({ outcome: 'goal-reached', goal: 'replied' });
    expect(await scoreOf(lead.leadId)).toBe(before + 14);
    expect((await admin.request('POST', '/api/engagement/replies', { messageId: '<nobody@loro.engine>' })).status).toBe(404);
  });

  it('a bounce stops the enrollment', async () => {
    const sequenceId = await newSequence({ name: 'Bouncy', steps: [{ id: 'intro', type: 'email', category: 'marketing', subject: 'Hi', body: 'Hi' }, { id: 'later', type: 'wait', duration: 'P7D' }] });
    const lead = await newLead();
    await ops.request('POST', `/api/sequences/${sequenceId}/enrollments`, { leadId: lead.leadId });
    const [mail] = await waitFor('the mail', async () => {
      const mails = await mailTo(lead.email);
      return mails.length ? mails : undefined;
    });
    expect((await admin.request('POST', '/api/engagement/bounces', { messageId: mail!.messageId })).json).toMatchObject({ recorded: true });
    expect(await nurturing(lead.leadId, sequenceId).result()).toEqual({ outcome: 'stopped', reason: 'a mail to the lead bounced' });

    // Another sequence's first mail is refused at the send itself; a new address lifts the bounce.
    const other = await newSequence({ name: 'Bouncy too', steps: [{ id: 'intro', type: 'email', category: 'marketing', subject: 'Hi again', body: 'Hi' }] });
    await ops.request('POST', `/api/sequences/${other}/enrollments`, { leadId: lead.leadId });
    expect(await nurturing(lead.leadId, other).result()).toEqual({ outcome: 'stopped', reason: 'a mail to the lead bounced' });
    expect(await mailTo(lead.email)).toHaveLength(1);
    const address = `new.${lead.email}`;
    expect((await ops.request('PATCH', `/api/accounts/${accountId}/leads/${lead.leadId}`, { email: address })).status).toBe(200);
    const third = await newSequence({ name: 'Bouncy three', steps: [{ id: 'intro', type: 'email', category: 'marketing', subject: 'Hi at last', body: 'Hi' }] });
    await ops.request('POST', `/api/sequences/${third}/enrollments`, { leadId: lead.leadId });
    expect(await nurturing(lead.leadId, third).result()).toEqual({ outcome: 'completed' });
    expect((await mailTo(address)).map((m) => m.subject)).toEqual(['Hi at last']);
  });

  it('goals reached outside the mail end enrollments: a meeting booked, a conversion in the pipeline', async () => {
    const sequenceId = await newSequence({ name: 'Goals', steps: [LATER] });
    const meeting = await newLead();
    const converting = await newLead();
    for (const l of [meeting, converting]) expect((await ops.request('POST', `/api/sequences/${sequenceId}/enrollments`, { leadId: l.leadId })).status).toBe(201);

    const booked = await ops.request('POST', `/api/accounts/${accountId}/leads/${meeting.leadId}/goals`, { goal: 'meeting-booked' });
    expect(booked.json).toEqual({ goal: 'meeting-booked', enrollmentsSignalled: [workflowIds.leadNurturing(accountId, meeting.leadId, sequenceId)] });
    expect(await nurturing(meeting.leadId, sequenceId).result()).toEqual({ outcome: 'goal-reached', goal: 'meeting-booked' });
    expect((await ops.request('POST', `/api/accounts/${accountId}/leads/${meeting.leadId}/goals`, { goal: 'lunch' })).status).toBe(400);

    for (const status of ['nurturing', 'qualified', 'converted']) {
      expect((await ops.request('PATCH', `/api/accounts/${accountId}/leads/${converting.leadId}`, { status })).status).toBe(200);
    }
    expect(await nurturing(converting.leadId, sequenceId).result()).toEqual({ outcome: 'goal-reached', goal: 'converted' });
  });

  it('the preference centre: shows the choices, records each change as a consent, and marketing off stops the enrollment', async () => {
    const sequenceId = await newSequence({ name: 'Preferences', steps: [LATER, { id: 'intro', type: 'email', category: 'marketing', subject: 'Hi', body: 'Hi' }] });
    const lead = await newLead();
    const enrolled = await ops.request('POST', `/api/sequences/${sequenceId}/enrollments`, { leadId: lead.leadId });
    const url = await nurturingLinks(createLinkSigner(engine.deps.keyring), engine.baseUrl).preferences(enrolled.json.workflowId);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<input type="radio" name="marketing" value="granted" checked>');
    expect(html).not.toContain('Nina'); // no personal data on a page anyone with the link can open
    expect(await (await fetch(url, { headers: { accept: 'application/json' } })).json()).toEqual({
      categories: [
        { category: 'marketing', granted: true },
        { category: 'cookies.analytics', granted: false },
        { category: 'cookies.advertising', granted: false },
      ],
    });

    const consentsBefore = await engine.deps.models.Consent.countDocuments({ subjectId: lead.leadId });
    const form = (body: string, target = url) => fetch(target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const forged = url.replace(/\.[^.]+$/, '.' + 'A'.repeat(43));
    expect((await form('marketing=revoked&cookies.analytics=granted&cookies.advertising=revoked', forged)).status).toBe(403);
    const incomplete = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ marketing: 'maybe' }) });
    expect(incomplete.status).toBe(400);
    const problem = (await incomplete.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['/body/cookies.advertising', '/body/cookies.analytics', '/body/marketing']);
    expect(await engine.deps.models.Consent.countDocuments({ subjectId: lead.leadId })).toBe(consentsBefore);

    const saved = await form('marketing=revoked&cookies.analytics=granted&cookies.advertising=revoked');
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('Your choices are saved.');
    const now = await createConsents(engine.deps.models.Consent).current({ accountId, subjectType: 'lead', subjectId: lead.leadId });
    expect(now.filter((c) => c.source === 'preference-centre').map((c) => [c.category, c.granted]).sort()).toEqual([['cookies.analytics', true], ['marketing', false]]);
    expect(await nurturing(lead.leadId, sequenceId).result()).toEqual({ outcome: 'stopped', reason: 'the lead opted out of marketing' });
  });
});
