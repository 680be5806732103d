/**
 * The planning activities on a small day, with real FerretDB, the mail sink and the OSRM stand-in on loopback:
 * one activity loads, builds a block-split matrix, solves and stores the plan as a version; only IDs and
 * figures come back. A point OSRM cannot place leaves its job unassigned instead of failing the day; a re-plan
 * keeps done and in-progress stops; publishing supersedes older versions; each technician is mailed once per
 * version. Without OSRM the plan says it is estimated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../lib/mongo.ts';
import { createKeyring } from '../../lib/crypto/mongo-keyring.ts';
import { createMailer, type Mailer } from '../../lib/mailer.ts';
import { createModels, syncIndexes, type Models } from '../../models/index.ts';
import { createPlanningActivities, type NotifyResult, type PlanSummary, type PublishResult } from '../../activities/field/planning.ts';
import { createEstimateProvider, createOsrmProvider, decodePolyline, type LatLng } from '../../routing/providers/index.ts';
import { testConfig } from '../fixtures/engine.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { startOsrmStandIn, type OsrmStandIn } from '../fixtures/osrm-stand-in.ts';

let mongo: Connection;
let models: Models;
let mailer: Mailer;
let osrm: OsrmStandIn;
const config = testConfig();

const accountId = `acc_${randomBytes(16).toString('hex')}`;
const region = 'berlin-north';
const date = '2031-03-05';
const ALL_DAYS = [1, 2, 3, 4, 5, 6, 7];
const shift = { start: '08:00', end: '16:00', timeZone: 'Europe/Berlin', workingDays: ALL_DAYS }; // 07:00–15:00 UTC in March
const utc = (hhmm: string) => new Date(`${date}T${hhmm}:00Z`);
const id = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;

const depot: LatLng = { lat: 52.5301, lng: 13.3801 };
const nowhere: LatLng = { lat: 52.6602, lng: 13.0203 }; // OSRM cannot place it (NoSegment)
const techs = [
  { _id: id('tec'), name: 'Anna Gas', email: uniqueEmail('anna'), skills: ['gas'] },
  { _id: id('tec'), name: 'Ben Volt', email: uniqueEmail('ben'), skills: ['electrics'] },
  { _id: id('tec'), name: 'Cem Ohnemail', skills: ['gas', 'electrics'] },
];
interface JobSpec {
  _id: string;
  at: LatLng;
  skills?: string[];
  windows?: [string, string][];
  priority?: 'must' | 'optional';
  status?: 'open' | 'cancelled';
}
const jobs: JobSpec[] = [
  { _id: id('job'), at: { lat: 52.5401, lng: 13.3501 }, skills: ['gas'], windows: [['08:00', '10:00']] },
  { _id: id('job'), at: { lat: 52.5502, lng: 13.4102 }, skills: ['electrics'] },
  { _id: id('job'), at: { lat: 52.5203, lng: 13.4003 }, windows: [['12:00', '13:00']] },
  { _id: id('job'), at: { lat: 52.5604, lng: 13.3304 } },
  { _id: id('job'), at: { lat: 52.5105, lng: 13.3605 }, priority: 'optional' },
  { _id: id('job'), at: { lat: 52.5456, lng: 13.3907 }, skills: ['gas'] },
  { _id: id('job'), at: { lat: 52.5357, lng: 13.4208 }, windows: [['07:30', '09:00'], ['13:00', '14:00']] },
  { _id: id('job'), at: { lat: 52.5258, lng: 13.3409 }, skills: ['roofing'] }, // nobody can
  { _id: id('job'), at: nowhere }, // unreachable
  { _id: id('job'), at: { lat: 52.5159, lng: 13.3810 }, status: 'cancelled' },
];
const [roofing, unreachable, cancelled] = [jobs[7]!._id, jobs[8]!._id, jobs[9]!._id];

beforeAll(async () => {
  mongo = await connectMongo(config.mongoUri);
  models = createModels(mongo, await createKeyring(mongo, config));
  await syncIndexes(models);
  mailer = createMailer(config.smtpUrl, config.mailFrom);
  osrm = await startOsrmStandIn({ noSegment: [nowhere] });
  await models.Account.create({ _id: accountId, name: 'Field Co', owner: { name: 'Fiona Field', email: uniqueEmail('owner') } });
  for (const t of techs) await models.Technician.create({ ...t, accountId, region, startLocation: { ...depot, label: 'Depot' }, endLocation: depot, shift });
  // A technician of another region and one not working Wednesdays are not planned here.
  await models.Technician.create({ _id: id('tec'), accountId, region: 'elsewhere', name: 'Other Region', startLocation: depot, shift });
  for (const j of jobs) {
    await models.Job.create({
      _id: j._id,
      accountId,
      region,
      date,
      customer: { name: `Customer ${j._id.slice(-4)}` },
      location: { ...j.at, label: `Street ${j._id.slice(-4)}` },
      serviceMinutes: 30,
      timeWindows: (j.windows ?? []).map(([a, b]) => ({ start: utc(a), end: utc(b) })),
      requiredSkills: j.skills ?? [],
      priority: j.priority ?? 'must',
      status: j.status ?? 'open',
    });
  }
});
afterAll(async () => {
  mailer?.close();
  await osrm?.close();
  await mongo?.dropDatabase();
  await mongo?.close();
});

/** Runs an activity in a mock activity context, collecting its heartbeats. */
async function run<R>(fn: (...args: any[]) => Promise<R>, ...args: unknown[]): Promise<{ result: R; heartbeats: Record<string, unknown>[] }> {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `daily-route-planning-${accountId}-${region}-${date}`, runId: 'r1' } } as never);
  const heartbeats: Record<string, unknown>[] = [];
  env.on('heartbeat', (d: Record<string, unknown>) => heartbeats.push(d));
  return { result: (await env.run(fn as never, ...(args as never[]))) as R, heartbeats };
}

/** What an independent reader of the stored plan checks: windows, skills, shifts, each job at most once. */
async function checkStoredPlan(planId: string) {
  const plan = (await models.RoutePlan.findById(planId).lean())!;
  const jobDocs = new Map((await models.Job.find({ accountId, date }).lean()).map((j) => [j._id, j]));
  const techDocs = new Map((await models.Technician.find({ accountId }).lean()).map((t) => [t._id, t]));
  const seen = new Set<string>();
  for (const route of plan.routes) {
    const tech = techDocs.get(route.technicianId)!;
    let previous = utc('07:00').getTime();
    for (const stop of route.stops) {
      const job = jobDocs.get(stop.jobId)!;
      expect(seen.has(stop.jobId), `${stop.jobId} twice`).toBe(false);
      seen.add(stop.jobId);
      expect(job.requiredSkills.every((s) => tech.skills.includes(s)), `skills of ${stop.jobId}`).toBe(true);
      const start = stop.start.getTime();
      expect(start).toBeGreaterThanOrEqual(previous);
      if (!stop.fixed && job.timeWindows.length) expect(job.timeWindows.some((w) => start >= w.start.getTime() && start <= w.end.getTime()), `window of ${stop.jobId}`).toBe(true);
      expect(stop.departure.getTime() - start).toBeGreaterThanOrEqual(job.serviceMinutes * 60_000);
      previous = stop.departure.getTime();
    }
    if (route.stops.length) expect(route.arrival!.getTime()).toBeLessThanOrEqual(utc('15:00').getTime());
  }
  return { plan, seen };
}

describe('planRoutes', () => {
  // One provider (one cache) for the whole describe, as one worker process has.
  let provider: ReturnType<typeof createOsrmProvider> | undefined;
  const activities = () => {
    provider ??= createOsrmProvider({ url: osrm.url, maxTableSize: 4, backoffMs: 5 });
    return createPlanningActivities({ models, mailer, routing: provider });
  };
  let v1: PlanSummary;

  it('plans the day in one activity: block-split matrix, solver, stored version; returns IDs and figures only', async () => {
    const { result, heartbeats } = await run(activities().planRoutes, accountId, region, date, 1, { maxIterations: 300 });
    v1 = result;
    expect(v1).toMatchObject({ version: 1, estimated: false, technicians: 3, unplaceablePoints: 1 });
    expect(v1.planId).toMatch(/^pln_[0-9a-f]{32}$/);
    expect(v1.assigned + v1.unassigned).toBe(9); // the cancelled job is not in the plan
    expect(v1.assigned).toBe(7);
    expect(v1.totals.distanceMeters).toBeGreaterThan(0);
    // Matrix of 11 distinct points (depot + 10 jobs minus the cancelled one) in blocks of 4×4, after one NoSegment.
    expect(osrm.requests.filter((r) => r.service === 'table' && r.status === 200).every((r) => r.sources * r.destinations <= 16)).toBe(true);
    expect(heartbeats.map((h) => h.phase)).toEqual(expect.arrayContaining(['load', 'matrix', 'solve', 'geometry']));
    // Nothing personal crosses the activity boundary.
    const crossing = JSON.stringify([v1, heartbeats]);
    for (const secret of ['52.5', '13.3', 'Anna', 'Customer', 'Street', 'Depot']) expect(crossing).not.toContain(secret);

    const { plan, seen } = await checkStoredPlan(v1.planId);
    expect(plan).toMatchObject({ status: 'draft', estimated: false, accountId, region, date, version: 1 });
    expect(Object.fromEntries(plan.unassigned.map((u) => [u.jobId, u.reason]))).toEqual({ [roofing]: 'skills', [unreachable]: 'unreachable' });
    expect(seen.has(cancelled)).toBe(false);
    // Geometry: one polyline per technician with stops, from the depot through the stops back to it; encrypted at rest.
    const geometry = plan.geometry as { format: string; routes: Record<string, string> };
    expect(geometry.format).toBe('polyline5');
    for (const route of plan.routes.filter((r) => r.stops.length)) {
      const line = decodePolyline(geometry.routes[route.technicianId]!);
      expect(line).toHaveLength(route.stops.length + 2);
      expect(line[0]!.lat).toBeCloseTo(depot.lat, 5);
    }
    const raw = JSON.stringify(await mongo.getClient().db(mongo.name).collection('route_plans').findOne({ _id: v1.planId as never }));
    expect(raw).not.toContain('polyline5');
    expect(raw).toContain(v1.planId);
  });

  it('is idempotent per version: a retry returns the stored plan without asking OSRM again', async () => {
    const before = osrm.requests.length;
    const { result } = await run(activities().planRoutes, accountId, region, date, 1, { maxIterations: 300 });
    expect(result).toEqual(v1);
    expect(osrm.requests.length).toBe(before);
    expect(await models.RoutePlan.countDocuments({ accountId, region, date })).toBe(1);
  });

  it('re-plans as version 2 keeping done and in-progress stops; the matrix comes from the cache', async () => {
    const plan = (await models.RoutePlan.findById(v1.planId).lean())!;
    const route = plan.routes.find((r) => r.stops.length >= 2)!;
    const first = route.stops[0]!;
    const second = route.stops[1]!;
    await models.Job.updateOne({ _id: first.jobId }, { $set: { status: 'done', technicianId: route.technicianId, startedAt: first.start, completedAt: first.departure } });
    await models.Job.updateOne({ _id: second.jobId }, { $set: { status: 'in-progress', technicianId: route.technicianId, startedAt: second.start } });
    const asked = osrm.requests.length;
    const { result: v2 } = await run(activities().planRoutes, accountId, region, date, 2, { notBefore: second.start.toISOString(), maxIterations: 300 });
    expect(v2.version).toBe(2);
    expect(v2.planId).not.toBe(v1.planId);
    // Every cell but those of the NoSegment point comes from the cache: the only table requests are the blocks
    // holding that point, which OSRM refuses again (refusals are not cached), then no more.
    const tables = osrm.requests.slice(asked).filter((r) => r.service === 'table');
    expect(tables.length).toBeGreaterThan(0);
    expect(tables.every((r) => r.status === 400)).toBe(true);
    const { plan: replanned } = await checkStoredPlan(v2.planId);
    const kept = replanned.routes.find((r) => r.technicianId === route.technicianId)!;
    expect(kept.stops.slice(0, 2).map((s) => [s.jobId, s.fixed])).toEqual([
      [first.jobId, true],
      [second.jobId, true],
    ]);
    expect(kept.stops[0]!.start.getTime()).toBe(first.start.getTime());
  });

  it('publishes a version: older ones superseded, jobs planned on their technicians; then mails each technician once', async () => {
    const v2 = (await models.RoutePlan.findOne({ accountId, region, date, version: 2 }).lean())!;
    const { result: published } = await run<PublishResult>(activities().publishPlan, v2._id, { approvedBy: 'usr_dispatcher' });
    expect(published).toMatchObject({ planId: v2._id, version: 2, status: 'published', supersededVersions: [1] });
    expect((await models.RoutePlan.findById(v1.planId).lean())!.status).toBe('superseded');
    expect((await models.RoutePlan.findById(v2._id).lean())!).toMatchObject({ status: 'published', approvedBy: 'usr_dispatcher' });
    for (const route of v2.routes) {
      for (const stop of route.stops) {
        const job = (await models.Job.findById(stop.jobId).lean())!;
        expect(job.technicianId).toBe(route.technicianId);
        expect(['planned', 'done', 'in-progress']).toContain(job.status);
      }
    }
    await expect(run(activities().publishPlan, v1.planId)).rejects.toMatchObject({ type: 'PlanSuperseded' });

    const { result: notified } = await run<NotifyResult>(activities().notifyTechnicians, v2._id);
    const withStops = v2.routes.filter((r) => r.stops.length);
    const cem = techs[2]!._id;
    expect(notified.sent + notified.withoutEmail).toBe(withStops.length);
    expect(notified.withoutEmail).toBe(withStops.some((r) => r.technicianId === cem) ? 1 : 0);
    const again = await run<NotifyResult>(activities().notifyTechnicians, v2._id);
    expect(again.result).toEqual({ sent: 0, alreadySent: notified.sent, withoutEmail: notified.withoutEmail });
    for (const t of techs.filter((x) => x.email && withStops.some((r) => r.technicianId === x._id))) {
      const mails = await mailTo(t.email!);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toBe(`Your route for ${date} (update 2)`);
      expect(mails[0]!.text).toContain(t.name);
    }
  });
});

describe('closePlanningDay', () => {
  it('counts the published plan’s stops against what the jobs say happened', async () => {
    const v2 = (await models.RoutePlan.findOne({ accountId, region, date, version: 2 }).lean())!;
    const stops = v2.routes.flatMap((r) => r.stops);
    const done = stops.find((s) => !s.fixed)!;
    // One more job done, 6 minutes late; one cancelled.
    await models.Job.updateOne({ _id: done.jobId }, { $set: { status: 'done', startedAt: new Date(done.start.getTime() + 6 * 60_000), completedAt: done.departure } });
    const dropped = stops.find((s) => !s.fixed && s.jobId !== done.jobId)!;
    await models.Job.updateOne({ _id: dropped.jobId }, { $set: { status: 'cancelled' } });
    const { result } = await run(createPlanningActivities({ models, mailer, routing: createEstimateProvider({ speedKmh: 40, detourFactor: 1.3 }) }).closePlanningDay, v2._id);
    // Stop 1 (done, on time), stop 2 (in progress), the new done one (+6 min), the cancelled one, the rest not done.
    expect(result).toEqual({ plannedStops: stops.length, completed: 2, inProgress: 1, cancelled: 1, notDone: stops.length - 4, meanStartDeviationMinutes: 3 });
  });
});

describe('without OSRM', () => {
  it('plans with the great-circle estimate and the plan says it is estimated', async () => {
    const activities = createPlanningActivities({ models, mailer, routing: createEstimateProvider({ speedKmh: 40, detourFactor: 1.3 }) });
    const { result } = await run(activities.planRoutes, accountId, region, date, 3, { maxIterations: 200 });
    expect(result.estimated).toBe(true);
    expect(result.unplaceablePoints).toBe(0);
    expect((await models.RoutePlan.findById(result.planId).lean())!.estimated).toBe(true);
  });
});
