/**
 * Faults: the worker process is SIGKILLed between sending a nurturing mail and recording it — the whole message
 * is with the SMTP sink, the ledger not yet updated (the worker stops there: LORO_FAULT_PAUSE_AT). A new worker
 * replays the workflow task once it times out and retries the send, and the lead gets exactly one mail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { spawnWorker } from '../fixtures/worker-process.ts';
import { activityRuns } from '../fixtures/history.ts';
import { createConsents } from '../../lib/consents.ts';
import type { leadNurturing } from '../../workflows/lead-nurturing.ts';
import { ALWAYS_OPEN } from '../fixtures/sequences.ts';

let engine: Engine;
let ops: HttpSession;

beforeAll(async () => {
  engine = await startEngine({ worker: false });
  ops = await HttpSession.signIn(engine.baseUrl, (await addUser(engine, ['ops'])).email);
});
afterAll(() => engine?.close());

describe('a worker killed between sending a nurturing mail and recording it', () => {
  it('is replaced, the enrollment completes, and the lead has exactly one mail', { timeout: 120_000 }, async () => {
    const { models } = engine.deps;
    const accountId = `acc_${randomBytes(16).toString('hex')}`;
    await models.Account.create({ _id: accountId, name: 'Crash Solar', owner: { name: 'Olga Owner', email: uniqueEmail('owner') } });
    const leadId = `led_${randomBytes(16).toString('hex')}`;
    const email = uniqueEmail('crash-lead');
    await models.Lead.create({ _id: leadId, accountId, name: 'Carla Crash', email, timeZone: 'Europe/Lisbon' });
    await createConsents(models.Consent).record({ accountId, subjectType: 'lead', subjectId: leadId, category: 'marketing', granted: true, policyVersion: '1', source: 'api' });
    const sequence = await ops.request('POST', '/api/sequences', {
      accountId,
      definition: {
        name: 'One mail',
        sendWindow: ALWAYS_OPEN,
        steps: [{ id: 'intro', type: 'email', category: 'marketing', subject: 'Hello {{lead.firstName}}', body: 'Solar for you' }],
      },
    });
    expect(sequence.status).toBe(201);

    const first = await spawnWorker(engine, 'nurturing-worker-1', { LORO_FAULT_PAUSE_AT: 'mail-before-commit' });
    const enrolled = await ops.request('POST', `/api/sequences/${sequence.json.id}/enrollments`, { leadId });
    expect(enrolled.status).toBe(201);
    const handle = engine.deps.temporal.workflow.getHandle<typeof leadNurturing>(enrolled.json.workflowId);

    await waitFor('the worker to stop at the fault point', async () => (await readFile(first.logFile, 'utf8')).includes('fault point mail-before-commit'), 60_000);
    process.kill(first.pid, 'SIGKILL');
    expect(await first.exited).toBeNull(); // killed by a signal, not exited
    // The sink had the whole message but never its end-of-data mark: it kept nothing. The ledger has the claim only.
    expect(await mailTo(email)).toEqual([]);
    const ledgerKey = `${enrolled.json.workflowId}:intro:1`;
    expect(await models.Notification.findById(ledgerKey).lean()).toMatchObject({ status: 'sending', attempts: 1 });

    const second = await spawnWorker(engine, 'nurturing-worker-2');
    try {
      expect(await handle.result()).toEqual({ outcome: 'completed' });
    } finally {
      await second.stop();
    }
    const mails = await mailTo(email);
    expect(mails.map((m) => m.subject)).toEqual(['Hello Carla']);
    expect(await models.Notification.findById(ledgerKey).lean()).toMatchObject({ status: 'sent', attempts: 2 });
    // The killed worker's workflow task timed out; the new worker's replay sent once and recorded it once.
    const { events } = await handle.fetchHistory();
    expect(events!.filter((e) => e.workflowTaskTimedOutEventAttributes).length).toBeGreaterThanOrEqual(1);
    expect(activityRuns(events!, 'sendNurturingEmail')).toHaveLength(1);
  });
});
