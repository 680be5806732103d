/**
 * A region's planning day on the time-skipping server with the real activities (FerretDB, SMTP sink, the
 * great-circle estimate): the morning plan waits for approval, a job added meanwhile makes a new draft, the
 * dispatcher approves it and the technicians are mailed; a job cancelled during the day is planned out at once;
 * the day closes with planned-versus-actual figures (stops done, begun, not done; how late the done ones
 * started). Without an approval, the cutoff publishes on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { approvePlanUpdate, dailyRoutePlanning, jobAddedSignal, jobCancelledSignal, planningStateQuery } from '../../workflows/daily-route-planning.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { createTimeSkippingFixture, type TimeSkippingFixture } from '../fixtures/time-skipping.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

let t: TimeSkippingFixture;
beforeAll(async () => {
  t = await createTimeSkippingFixture();
});
afterAll(() => t?.close());

const HOUR = 3_600_000;
const DISPATCHER = 'usr_00000000000000000000000000000007';
const id = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;

/** A day a week ahead (UTC), two technicians working all day, four open jobs around a depot. */
async function newDay() {
  const accountId = id('acc');
  const region = `north-${randomBytes(3).toString('hex')}`;
  // The server's clock, not this process's: earlier tests in the file have skipped it ahead.
  const now = await t.env.currentTimeMs();
  const date = new Date(now + 7 * 24 * HOUR).toISOString().slice(0, 10);
  const shift = { start: '07:00', end: '17:00', timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7] };
  const technicians = [0, 1].map(() => ({ _id: id('tec'), email: uniqueEmail('tech') }));
  for (const [i, tech] of technicians.entries()) {
    await t.models.Technician.create({ ...tech, accountId, region, name: `Tech ${i}`, startLocation: { lat: 52.53, lng: 13.38 }, shift });
  }
  const job = async (k: number) => {
    const jobId = id('job');
    await t.models.Job.create({ _id: jobId, accountId, region, date, customer: { name: `Customer ${k}` }, location: { lat: 52.5 + k / 100, lng: 13.35 + k / 100 }, serviceMinutes: 45 });
    return jobId;
  };
  const jobs = [await job(1), await job(2), await job(3), await job(4)];
  return { accountId, region, date, technicians, jobs, job, now };
}

function start(day: Awaited<ReturnType<typeof newDay>>, cutoffInHours: number) {
  return t.env.client.workflow.start(dailyRoutePlanning, {
    taskQueue: t.taskQueue,
    workflowId: workflowIds.dailyRoutePlanning(day.accountId, day.region, day.date),
    args: [
      {
        accountId: day.accountId,
        region: day.region,
        date: day.date,
        approvalCutoffAt: new Date(day.now + cutoffInHours * HOUR).toISOString(),
        dayEndAt: new Date(day.now + 12 * HOUR).toISOString(),
        timeLimitMs: 500,
      },
    ],
  });
}

describe('dailyRoutePlanning', () => {
  it('drafts, re-drafts on a new job, publishes on approval, re-plans a cancellation at once, and closes the day', { timeout: 180_000 }, async () => {
    const day = await newDay();
    const handle = await start(day, 3);
    const figures = await t.withWorker(async () => {
      const drafted = await waitFor('the morning draft', async () => {
        const s = await handle.query(planningStateQuery);
        return s.phase === 'awaiting-approval' && s.plan ? s : undefined;
      });
      expect(drafted).toMatchObject({ version: 1, plan: { assigned: 4, unassigned: 0, estimated: true } });
      expect(await mailTo(day.technicians[0]!.email)).toEqual([]); // nothing goes out before approval

      const added = await day.job(5);
      await handle.signal(jobAddedSignal, { jobId: added });
      await t.env.sleep('2 minutes'); // the changes settle, then a new draft
      const redrafted = await waitFor('the second draft', async () => {
        const s = await handle.query(planningStateQuery);
        return s.version === 2 && s.phase === 'awaiting-approval' ? s : undefined;
      });
      expect(redrafted.plan).toMatchObject({ assigned: 5 });
      expect(redrafted.log.map((l) => l.reason)).toEqual(['morning plan', `job ${added} added`]);
      await handle.executeUpdate(approvePlanUpdate, { args: [{ by: DISPATCHER, version: 2 }] });
      await waitFor('the technicians told', async () => (await mailTo(day.technicians[0]!.email)).length + (await mailTo(day.technicians[1]!.email)).length > 0);
      const published = await t.models.RoutePlan.findOne({ accountId: day.accountId, region: day.region, version: 2 }).lean();
      expect(published).toMatchObject({ status: 'published', approvedBy: DISPATCHER });

      await t.models.Job.updateOne({ _id: day.jobs[0] }, { $set: { status: 'cancelled' } });
      await handle.signal(jobCancelledSignal, { jobId: day.jobs[0]! });
      await t.env.sleep('2 minutes');
      const replanned = await waitFor('the re-plan', async () => {
        const s = await handle.query(planningStateQuery);
        return s.version === 3 && s.phase === 'published' ? s : undefined;
      });
      expect(replanned.plan).toMatchObject({ assigned: 4 });
      const v3 = await t.models.RoutePlan.findOne({ accountId: day.accountId, region: day.region, version: 3 }).lean();
      expect(v3?.status).toBe('published');
      expect(v3!.routes.flatMap((r) => r.stops.map((s) => s.jobId))).not.toContain(day.jobs[0]);
      // What happens in the field: one stop done, started 7 minutes after its planned start; one begun, not finished.
      const [doneStop, begunStop] = v3!.routes.flatMap((r) => r.stops.map((s) => ({ ...s, technicianId: r.technicianId })));
      const startedLate = new Date(doneStop!.start.getTime() + 7 * 60_000);
      await t.models.Job.updateOne({ _id: doneStop!.jobId }, { $set: { status: 'done', technicianId: doneStop!.technicianId, startedAt: startedLate, completedAt: new Date(startedLate.getTime() + 45 * 60_000) } });
      await t.models.Job.updateOne({ _id: begunStop!.jobId }, { $set: { status: 'in-progress', technicianId: begunStop!.technicianId, startedAt: begunStop!.start } });
      // To the end of the day. (Explicitly: after an update, the test server's result() neither skips time nor
      // returns, so the closed day is read through the query, which a completed workflow still answers.)
      await t.env.sleep('13 hours');
      const closed = await waitFor('the day closed', async () => {
        const s = await handle.query(planningStateQuery);
        return s.phase === 'closed' ? s : undefined;
      });
      return closed.dayFigures;
    });
    // Planned versus actual: the 4 stops of the last version against what the jobs say happened.
    expect(figures).toEqual({ plannedStops: 4, completed: 1, inProgress: 1, notDone: 2, cancelled: 0, meanStartDeviationMinutes: 7 });
  });

  it('publishes the draft on its own at the approval cutoff', async () => {
    const day = await newDay();
    const handle = await start(day, 2);
    await t.withWorker(() => handle.result());
    const { events } = await handle.fetchHistory();
    const begun = Number(events![0]!.eventTime!.seconds) * 1000;
    const publish = events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'publishPlan')!;
    expect((Number(publish.eventTime!.seconds) * 1000 - begun) / HOUR).toBeCloseTo(2, 1);
    const plan = await t.models.RoutePlan.findOne({ accountId: day.accountId, region: day.region, version: 1 }).lean();
    expect(plan?.status).toBe('published');
    expect(plan?.approvedBy).toBeUndefined();
  });
});
