/**
 * Faults: the worker process is SIGKILLed in the middle of a privacy-policy change notice, while a batch is being
 * mailed. A new worker picks the broadcast up from its history; the killed batch is retried once its heartbeat
 * times out, and the notification ledger keeps everyone at one notice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { SinkMessage } from '../../services/mail-sink.ts';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { spawnWorker } from '../fixtures/worker-process.ts';
import { newId } from '../../models/ids.ts';
import type { policyChangeBroadcast } from '../../workflows/policy-change-broadcast.ts';

let engine: Engine;
let admin: HttpSession;
let recipients: string[];
// Workflow IDs are unique per namespace, and the test files share one Temporal server: a version of this file's own.
const VERSION = 100 + Math.floor(Math.random() * 900_000);

/** Every message in the shared sink to one of `addresses`, grouped by recipient (one read of the sink). */
async function mailsByRecipient(addresses: string[]): Promise<Map<string, SinkMessage[]>> {
  const { messages } = (await (await fetch(`${inject('mailSinkUrl')}/messages`)).json()) as { messages: SinkMessage[] };
  const byRecipient = new Map(addresses.map((a) => [a.toLowerCase(), [] as SinkMessage[]]));
  for (const m of messages) for (const to of m.to) byRecipient.get(to)?.push(m);
  return byRecipient;
}

beforeAll(async () => {
  // Batches of 30, one second apart: the kill lands inside the first batch.
  engine = await startEngine({ worker: false, env: { POLICY_NOTICE_BATCH_SIZE: '30', POLICY_NOTICE_BATCH_PAUSE: '1s' } });
  const adminUser = await addUser(engine, ['admin']);
  admin = await HttpSession.signIn(engine.baseUrl, adminUser.email);
  const users = Array.from({ length: 59 }, () => ({ _id: newId('usr'), email: uniqueEmail('crash-policy'), name: 'Casey Crash', passwordHash: 'not-a-real-hash', roles: ['ops'] }));
  await engine.deps.models.User.insertMany(users);
  const accounts = Array.from({ length: 5 }, () => ({ _id: newId('acc'), name: 'Crash Co', owner: { name: 'Cora Owner', email: uniqueEmail('crash-policy-owner') } }));
  for (const a of accounts) await engine.deps.models.Account.create(a);
  recipients = [adminUser.email, ...users.map((u) => u.email), ...accounts.map((a) => a.owner.email)];
});
afterAll(() => engine?.close());

describe('a worker killed mid-broadcast', () => {
  it('is replaced, the broadcast completes, and every active user has exactly one notice', { timeout: 120_000 }, async () => {
    const { Notification } = engine.deps.models;
    const first = await spawnWorker(engine, 'policy-worker-1');
    const published = await admin.request('POST', '/api/policy/versions', {
      version: VERSION,
      effectiveAt: '2026-02-01T00:00:00Z',
      summary: 'Usage data is kept for 60 days.',
      text: 'Privacy Policy, version 2.\nUsage data is kept for 60 days.\n',
    });
    expect(published.status).toBe(202);
    const handle = engine.deps.temporal.workflow.getHandle<typeof policyChangeBroadcast>(published.json.broadcast.workflowId);

    // Kill it while the first batch is being mailed: some notices are out, most are not.
    const sentBeforeKill = await waitFor('the first notices', async () => {
      const n = await Notification.countDocuments({ kind: 'policyChange', status: 'sent' });
      return n >= 5 ? n : undefined;
    });
    process.kill(first.pid, 'SIGKILL');
    expect(await first.exited).toBeNull(); // killed by a signal, not exited
    const atKill = await handle.describe();
    expect(atKill.status.name).toBe('RUNNING');
    expect((atKill.raw.pendingActivities ?? []).map((a) => a.activityType?.name)).toEqual(['sendPolicyNotices']);
    expect(sentBeforeKill).toBeLessThan(recipients.length);

    const second = await spawnWorker(engine, 'policy-worker-2');
    let result;
    try {
      result = await handle.result();
    } finally {
      await second.stop();
    }
    expect(result).toMatchObject({ total: 65, sent: 65, skipped: 0, batches: 3, done: true });
    expect(result.alreadySent).toBeGreaterThanOrEqual(5); // the retried batch found them in the ledger

    // The killed batch ran again (attempt 2) after its heartbeat timed out; nothing else was repeated.
    const { events } = await handle.fetchHistory();
    const attempts = events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(attempts.filter((a) => a === 2)).toHaveLength(1);

    // One notice per person: a send cut off by the kill never reached its end-of-data mark, so the sink dropped it.
    const byRecipient = await mailsByRecipient(recipients);
    for (const [address, mails] of byRecipient) {
      expect(mails.map((m) => m.subject), address).toEqual([`Changes to the LORO CRM privacy policy (version ${VERSION})`]);
    }
    expect(await Notification.countDocuments({ kind: 'policyChange', status: 'sent' })).toBe(65);

    const stats = await admin.request('GET', `/api/policy/versions/${VERSION}/stats`);
    expect(stats.json).toMatchObject({
      users: { active: 60, notified: 60 },
      accountOwners: { active: 5, notified: 5 },
      broadcast: { status: 'COMPLETED', progress: { sent: 65, done: true } },
    });
  });
});
