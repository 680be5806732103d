/**
 * Faults: the worker process is killed (SIGKILL) in the middle of an onboarding; a new worker picks the
 * workflow up from its history and finishes it, and the owner still gets exactly one welcome mail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { spawnWorker } from '../fixtures/worker-process.ts';
import { onboardingStateQuery } from '../../workflows/account-onboarding.ts';

let engine: Engine;
let ops: HttpSession;

beforeAll(async () => {
  engine = await startEngine({ worker: false });
  ops = await HttpSession.signIn(engine.baseUrl, (await addUser(engine, ['ops'])).email);
});
afterAll(() => engine?.close());

describe('a worker killed mid-workflow', () => {
  it('is replaced, the workflow completes, and exactly one mail was sent', async () => {
    const first = await spawnWorker(engine, 'worker-1');
    const owner = uniqueEmail('crash');
    const created = await ops.request('POST', '/api/accounts', { name: 'Crash Test Ltd', owner: { name: 'Cara Crash', email: owner } });
    expect(created.status).toBe(202);
    const handle = engine.deps.temporal.workflow.getHandle(created.json.workflowId);

    await waitFor('the welcome mail', async () => (await mailTo(owner)).length === 1);
    // Kill it while the workflow waits for the owner, with no activity in flight: an activity killed mid-run
    // would only come back after its start-to-close timeout, which this test need not sit through.
    await waitFor('onboarding waiting for the owner', async () => {
      const d = await handle.describe();
      return (await handle.query(onboardingStateQuery)) === 'welcomed' && (d.raw.pendingActivities ?? []).length === 0;
    });
    process.kill(first.pid, 'SIGKILL');
    expect(await first.exited).toBeNull(); // killed by a signal, not exited
    expect((await handle.describe()).status.name).toBe('RUNNING');

    const second = await spawnWorker(engine, 'worker-2');
    try {
      // The new worker must replay the history to handle the signal: it resumes, it does not restart.
      expect((await ops.request('POST', `/api/accounts/${created.json.accountId}/owner-signed-in`)).status).toBe(202);
      expect(await handle.result()).toBe('completed');
    } finally {
      await second.stop();
    }
    const mails = await mailTo(owner);
    expect(mails.map((m) => m.subject)).toEqual(['Welcome to LORO CRM, Crash Test Ltd']);
    const history = await handle.fetchHistory();
    const welcomeScheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendWelcomeMail');
    expect(welcomeScheduled).toHaveLength(1);
  });

  it('a worker stopped with SIGTERM drains and exits 0', async () => {
    const worker = await spawnWorker(engine, 'worker-graceful');
    process.kill(worker.pid, 'SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await readFile(worker.logFile, 'utf8')).toContain('worker stopped');
  });
});
