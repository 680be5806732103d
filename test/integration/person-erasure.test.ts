/**
 * A person's erasure on request, against the real dev server: the lead's records and consents go, another lead's
 * stay, the person gets one certificate mail; a legal hold on the person holds the erasure until released; a
 * technician's positions go while the jobs they served stay, without them. Refusals are answered and audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import type { personErasure } from '../../workflows/person-erasure.ts';

let engine: Engine;
let admin: HttpSession;
const accountId = `acc_${randomBytes(16).toString('hex')}`;

beforeAll(async () => {
  engine = await startEngine();
  admin = await HttpSession.signIn(engine.baseUrl, (await addUser(engine, ['admin'])).email);
  await engine.deps.models.Account.create({ _id: accountId, name: 'Erasure Ltd', owner: { name: 'Olga Owner', email: uniqueEmail('erasure-owner') } });
});
afterAll(() => engine?.close());

async function newLead() {
  const id = `led_${randomBytes(8).toString('hex')}`;
  const email = uniqueEmail('erase-me');
  await engine.deps.models.Lead.create({ _id: id, accountId, name: 'Erin Erase', email });
  const consent = await admin.request('POST', '/api/consents', { accountId, subjectType: 'lead', subjectId: id, category: 'marketing', granted: true, policyVersion: '1', source: 'api' });
  expect(consent.status).toBe(201);
  return { id, email };
}

const erasureOf = (personType: string, personId: string) =>
  engine.deps.temporal.workflow.getHandle<typeof personErasure>(workflowIds.personErasure(accountId, personType, personId));

describe('erasure of a person on request', () => {
  it('deletes the lead and their consents, leaves others, and mails one certificate', async () => {
    const lead = await newLead();
    const other = await newLead();
    const asks = await Promise.all([1, 2].map(() => admin.request('POST', `/api/accounts/${accountId}/erasures`, { personType: 'lead', personId: lead.id })));
    expect(asks.map((a) => a.status)).toEqual([202, 202]);
    expect(asks[0]!.json.runId).toBe(asks[1]!.json.runId);
    const { certificateId } = await erasureOf('lead', lead.id).result();

    const m = engine.deps.models;
    expect(await m.Lead.countDocuments({ _id: lead.id })).toBe(0);
    expect(await m.Consent.countDocuments({ subjectId: lead.id })).toBe(0);
    expect(await m.Lead.countDocuments({ _id: other.id })).toBe(1);
    expect(await m.Consent.countDocuments({ subjectId: other.id })).toBe(1);
    const certificate = (await admin.request('GET', `/api/deletion-certificates/${certificateId}`)).json;
    expect(certificate).toMatchObject({ scope: 'person', subject: { type: 'lead', id: lead.id } });
    expect(certificate.deleted).toEqual(expect.arrayContaining([{ store: 'leads', count: 1 }, { store: 'consents', count: 1 }]));
    const mails = await waitFor('the certificate mail', async () => {
      const found = (await mailTo(lead.email)).filter((x) => x.subject.startsWith('Deletion certificate'));
      return found.length ? found : undefined;
    });
    expect(mails).toHaveLength(1);
    expect(await m.CertificateRecipient.countDocuments({ _id: workflowIds.personErasure(accountId, 'lead', lead.id) })).toBe(0);
    expect(await createAuditLog(m.AuditEntry).verify()).toMatchObject({ ok: true });

    const again = await admin.request('POST', `/api/accounts/${accountId}/erasures`, { personType: 'lead', personId: lead.id });
    expect(again.status).toBe(409);
    expect(await m.AuditEntry.countDocuments({ action: 'person.erasure.refused', 'target.id': lead.id })).toBe(1);
  });

  it('waits while a legal hold is on the person, and erases once it is released', async () => {
    const lead = await newLead();
    const other = await newLead();
    const otherHold = await admin.request('POST', '/api/legal-holds', { accountId, subject: { type: 'lead', id: other.id }, reference: 'CASE-OTHER' });
    const hold = await admin.request('POST', '/api/legal-holds', { accountId, subject: { type: 'lead', id: lead.id }, reference: 'CASE-9' });
    expect([otherHold.status, hold.status]).toEqual([201, 201]);
    expect((await admin.request('POST', `/api/accounts/${accountId}/erasures`, { personType: 'lead', personId: lead.id })).status).toBe(202);
    await waitFor('the erasure to be held', async () => {
      const r = await admin.request('GET', `/api/accounts/${accountId}/erasures/lead/${lead.id}`);
      return r.status === 200 && r.json.phase === 'held';
    });
    expect(await engine.deps.models.Lead.countDocuments({ _id: lead.id })).toBe(1);

    expect((await admin.request('POST', `/api/legal-holds/${hold.json.id}/release`)).status).toBe(200);
    await erasureOf('lead', lead.id).result();
    expect(await engine.deps.models.Lead.countDocuments({ _id: lead.id })).toBe(0);
    // The other person's hold held nothing of this erasure, and keeps theirs.
    expect(await engine.deps.models.Lead.countDocuments({ _id: other.id })).toBe(1);
  });

  it('erases a technician’s positions; the jobs they served stay, without them', async () => {
    const m = engine.deps.models;
    const technicianId = `tec_${randomBytes(8).toString('hex')}`;
    await m.Technician.create({ _id: technicianId, accountId, region: 'north', name: 'Tim Tech', startLocation: { lat: 1, lng: 2 }, shift: { start: '08:00', end: '16:00', timeZone: 'UTC' } });
    await m.LocationPoint.insertMany([{ _id: `pos_${technicianId}`, accountId, technicianId, at: new Date(), receivedAt: new Date(), position: { lat: 1, lng: 2 } }]);
    const jobId = `job_${randomBytes(8).toString('hex')}`;
    await m.Job.create({ _id: jobId, accountId, region: 'north', date: '2026-11-25', customer: { name: 'Cat Customer' }, location: { lat: 1, lng: 2 }, serviceMinutes: 30, technicianId, status: 'done' });

    expect((await admin.request('POST', `/api/accounts/${accountId}/erasures`, { personType: 'technician', personId: technicianId })).status).toBe(202);
    await erasureOf('technician', technicianId).result();
    expect(await m.Technician.countDocuments({ _id: technicianId })).toBe(0);
    expect(await m.LocationPoint.countDocuments({ technicianId })).toBe(0);
    const job = await m.Job.findById(jobId).lean();
    expect(job?.status).toBe('done');
    expect(job?.technicianId).toBeUndefined();
  });

  it('answers 404 for an unknown person and 400 for a malformed request', async () => {
    expect((await admin.request('POST', `/api/accounts/${accountId}/erasures`, { personType: 'lead', personId: 'led_unknown' })).status).toBe(404);
    const bad = await admin.request('POST', `/api/accounts/${accountId}/erasures`, { personType: 'customer', personId: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/body/personId', '/body/personType']);
  });
});
