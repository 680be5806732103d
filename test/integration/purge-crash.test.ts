/**
 * Faults: the worker process is SIGKILLed in the middle of an account's purge, while its purge activity runs.
 * A new worker resumes the heartbeated purge at the store it stood at and finishes: no error, every record gone, and the
 * certificate's counts are the inventory's — nothing counted twice — with exactly one certificate mail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { spawnWorker } from '../fixtures/worker-process.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import type { accountCancellation } from '../../workflows/account-cancellation.ts';

const LEADS = 20_000;
let engine: Engine;
let admin: HttpSession;

beforeAll(async () => {
  engine = await startEngine({ worker: false });
  admin = await HttpSession.signIn(engine.baseUrl, (await addUser(engine, ['admin'])).email);
});
afterAll(() => engine?.close());

describe('a worker killed mid-purge', () => {
  it('is replaced; the purge resumes and completes with exact counts and one certificate', { timeout: 180_000 }, async () => {
    const accountId = `acc_${randomBytes(16).toString('hex')}`;
    const email = uniqueEmail('purge-crash');
    const m = engine.deps.models;
    await m.Account.create({ _id: accountId, name: 'Crash Purge AG', owner: { name: 'Paula Purge', email } });
    for (let i = 0; i < LEADS; i += 2_000) {
      await m.Lead.insertMany(Array.from({ length: 2_000 }, (_, j) => ({ _id: `led_${accountId.slice(4, 20)}${(i + j).toString(36)}`, accountId, name: `Lead ${i + j}` })));
    }

    const first = await spawnWorker(engine, 'purge-worker-1');
    let second: Awaited<ReturnType<typeof spawnWorker>> | undefined;
    try {
      expect((await admin.request('POST', `/api/accounts/${accountId}/cancellation`)).status).toBe(202);
      const handle = engine.deps.temporal.workflow.getHandle<typeof accountCancellation>(workflowIds.accountCancellation(accountId));
      await waitFor('the cancellation to be under way', async () => (await admin.request('POST', `/api/accounts/${accountId}/cancellation/purge-now`)).status === 200);
      // Kill as soon as a worker has started the purge activity (deleting 20,000 encrypted leads takes seconds on
      // FerretDB, so this lands mid-purge); the store it stood at is whatever it last heartbeated.
      await waitFor(
        'the purge under way',
        async () => ((await handle.describe()).raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'purgeAccountStores' && a.lastStartedTime),
        120_000,
      );
      process.kill(first.pid, 'SIGKILL');
      expect(await first.exited).toBeNull();

      second = await spawnWorker(engine, 'purge-worker-2');
      const outcome = await handle.result();
      expect(outcome.outcome).toBe('purged');
      expect(await m.Lead.countDocuments({ accountId })).toBe(0);
      const certificate = await m.DeletionCertificate.findById(outcome.certificateId).lean();
      expect(certificate!.deleted).toEqual(expect.arrayContaining([{ store: 'leads', count: LEADS }, { store: 'accounts', count: 1 }]));
      expect(await m.DeletionCertificate.countDocuments({ accountId })).toBe(1);
      expect((await mailTo(email)).filter((x) => x.subject.startsWith('Deletion certificate'))).toHaveLength(1);
      // One purge activity, retried after the kill — not started afresh by the workflow.
      const { events } = await handle.fetchHistory();
      const purges = events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'purgeAccountStores');
      expect(purges).toHaveLength(1);
      const started = events!.find((e) => e.activityTaskStartedEventAttributes && Number(e.activityTaskStartedEventAttributes.scheduledEventId) === Number(purges[0]!.eventId));
      expect(started?.activityTaskStartedEventAttributes?.attempt).toBeGreaterThan(1);
    } finally {
      await second?.stop();
      if (first.pid) await first.stop().catch(() => undefined);
    }
  });
});
