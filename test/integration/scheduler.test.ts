/** The scheduler: agenda on the MongoDB-protocol server fires triggers that start workflows exactly once per run. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agenda } from 'agenda';
import { createScheduler } from '../../scheduler/create-scheduler.ts';
import { TRIGGERS } from '../../scheduler/triggers.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { createLogger } from '../../lib/logger.ts';
import { startEngine, type Engine } from '../fixtures/engine.ts';
import { waitFor } from '../fixtures/wait.ts';

let engine: Engine;
let agenda: Agenda | undefined;
beforeAll(async () => {
  engine = await startEngine();
});
afterAll(async () => {
  await agenda?.stop();
  await engine?.close();
});

const sweep = TRIGGERS.find((t) => t.name === 'retention-sweep')!;

describe('triggers', () => {
  it('start the day’s workflow once, however often they fire', async () => {
    const firedAt = new Date('2031-01-02T03:00:00Z');
    const { temporal } = engine.deps;
    const first = await sweep.start(temporal, engine.config.temporal.taskQueue, firedAt);
    const second = await sweep.start(temporal, engine.config.temporal.taskQueue, firedAt);
    expect(first).toEqual({ workflowId: workflowIds.retentionSweep('2031-01-02'), started: true });
    expect(second).toEqual({ workflowId: first.workflowId, started: false });
    const handle = temporal.workflow.getHandle(first.workflowId);
    await expect(handle.result()).resolves.toEqual({ expiredApiTokensDeleted: 0, oldUsageEventsDeleted: 0, exportsExpired: 0, financialRecordsDeleted: 0, locationPointsDeleted: 0 });
    // Even after the run closed, the same day's trigger does not start it again.
    expect(await sweep.start(temporal, engine.config.temporal.taskQueue, firedAt)).toEqual({ workflowId: first.workflowId, started: false });
  });

  it('fire from agenda on the MongoDB-protocol server, and registering twice keeps one job', async () => {
    const options = {
      db: engine.deps.mongo.db!,
      temporal: engine.deps.temporal,
      taskQueue: engine.config.temporal.taskQueue,
      logger: createLogger('scheduler', 'silent'),
      triggers: TRIGGERS,
      processEvery: 200, // ms: human-interval reads the string '200 milliseconds' as 200 000 ms
    };
    agenda = await createScheduler(options);
    const again = await createScheduler(options);
    await again.stop();
    const jobs = await engine.deps.mongo.db!.collection('agenda_jobs').find({ name: 'retention-sweep' }).toArray();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.repeatInterval).toBe(sweep.cron);

    await agenda.now('retention-sweep');
    const today = workflowIds.retentionSweep(new Date().toISOString().slice(0, 10));
    const handle = engine.deps.temporal.workflow.getHandle(today);
    await waitFor('the sweep started by agenda', async () => (await handle.describe().catch(() => null)) !== null);
    await expect(handle.result()).resolves.toEqual({ expiredApiTokensDeleted: 0, oldUsageEventsDeleted: 0, exportsExpired: 0, financialRecordsDeleted: 0, locationPointsDeleted: 0 });
  });
});

describe('retentionSweep', () => {
  it('deletes API tokens expired more than 30 days ago and keeps the rest', async () => {
    const { ApiToken } = engine.deps.models;
    const day = 86_400_000;
    const base = { secretHash: 'x', scopes: ['accounts:read'], createdBy: 'usr_test', name: 't' };
    await ApiToken.create([
      { ...base, _id: 'tok_old_expired', expiresAt: new Date(Date.now() - 31 * day) },
      { ...base, _id: 'tok_old_revoked', revokedAt: new Date(Date.now() - 40 * day) },
      { ...base, _id: 'tok_recently_expired', expiresAt: new Date(Date.now() - 2 * day) },
      { ...base, _id: 'tok_live', expiresAt: new Date(Date.now() + 30 * day) },
    ]);
    const result = await engine.deps.temporal.workflow.execute('retentionSweep', { taskQueue: engine.config.temporal.taskQueue, workflowId: `sweep-test-${Date.now()}` });
    expect(result).toEqual({ expiredApiTokensDeleted: 2, oldUsageEventsDeleted: 0, exportsExpired: 0, financialRecordsDeleted: 0, locationPointsDeleted: 0 });
    expect((await ApiToken.find().lean()).map((t) => t._id).sort()).toEqual(['tok_live', 'tok_recently_expired']);
  });
});
