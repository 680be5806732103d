/**
 * Per-account pacing end to end, on the dev server with a worker: enrolling several leads of one account at once
 * spreads their mails one slot apart (NURTURING_SENDS_PER_MINUTE) instead of bursting, and another account's mail
 * does not wait behind them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { uniqueEmail } from '../fixtures/mail.ts';
import { createConsents } from '../../lib/consents.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { ALWAYS_OPEN } from '../fixtures/sequences.ts';

const SENDS_PER_MINUTE = 20; // one slot every 3 s: far slower than three unpaced sends would go out
const SLOT_MS = 60_000 / SENDS_PER_MINUTE;

let engine: Engine;
let ops: HttpSession;

beforeAll(async () => {
  engine = await startEngine({ env: { NURTURING_SENDS_PER_MINUTE: String(SENDS_PER_MINUTE) } });
  ops = await HttpSession.signIn(engine.baseUrl, (await addUser(engine, ['ops'])).email);
});
afterAll(() => engine?.close());


async function accountWithSequence() {
  const accountId = `acc_${randomBytes(16).toString('hex')}`;
  await engine.deps.models.Account.create({ _id: accountId, name: 'Pacing GmbH', owner: { name: 'Paula Owner', email: uniqueEmail('owner') } });
  const steps = [{ id: 'intro', type: 'email', category: 'marketing', subject: 'Hello', body: 'Hi' }];
  const res = await ops.request('POST', '/api/sequences', { accountId, definition: { name: 'One mail', sendWindow: ALWAYS_OPEN, steps } });
  expect(res.status, res.text).toBe(201);
  return { accountId, sequenceId: res.json.id as string };
}

async function newLead(accountId: string) {
  const res = await ops.request('POST', `/api/accounts/${accountId}/leads`, { name: 'Pat Lead', email: uniqueEmail('paced'), timeZone: 'UTC' });
  expect(res.status, res.text).toBe(201);
  const leadId = res.json.id as string;
  await createConsents(engine.deps.models.Consent).record({ accountId, subjectType: 'lead', subjectId: leadId, category: 'marketing', granted: true, policyVersion: '1', source: 'api' });
  return leadId;
}

describe('per-account send pacing', () => {
  it('spreads one account’s mails one slot apart; another account is not held back', async () => {
    const busy = await accountWithSequence();
    const other = await accountWithSequence();
    const busyLeads = [await newLead(busy.accountId), await newLead(busy.accountId), await newLead(busy.accountId)];
    const otherLead = await newLead(other.accountId);

    const start = Date.now();
    const enrolled = [...busyLeads.map((leadId) => ({ ...busy, leadId })), { ...other, leadId: otherLead }];
    await Promise.all(enrolled.map(({ sequenceId, leadId }) => ops.request('POST', `/api/sequences/${sequenceId}/enrollments`, { leadId }).then((r) => expect(r.status, r.text).toBe(201))));
    const ids = enrolled.map((e) => workflowIds.leadNurturing(e.accountId, e.leadId, e.sequenceId));
    for (const id of ids) expect(await engine.deps.temporal.workflow.getHandle(id).result()).toEqual({ outcome: 'completed' });

    const sentAt = async (id: string) => (await engine.deps.models.Notification.findById(`${id}:intro:1`).lean())!.sentAt!.getTime();
    const busySends = (await Promise.all(ids.slice(0, 3).map(sentAt))).sort((a, b) => a - b);
    // No send goes before its slot, and the account's slots are SLOT_MS apart from the first one (taken no earlier
    // than `start`): the k-th mail cannot leave before start + k slots.
    busySends.forEach((at, k) => expect(at - start, `mail ${k}`).toBeGreaterThanOrEqual(k * SLOT_MS));
    expect(await sentAt(ids[3]!)).toBeLessThan(busySends[2]!);
  });
});
