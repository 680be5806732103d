/**
 * A technician dropping out during a published planning day, over HTTP against the real dev server and worker:
 * POST /api/technicians/:id/unavailable records it on the technician, is audited, and signals the region's
 * running DailyRoutePlanning; the re-plan (a new version) keeps the other technicians' done and in-progress
 * stops where and when they were, gives the technician no new stops, and moves their remaining stops to the
 * others or leaves them unassigned with a reason. Every version passes the solver's independent checker.
 *
 * The day is laid out so the first plan is known in shape: the technician who drops out (U) lives by a cluster
 * of jobs far from the depot of the other two (plain jobs, and one needing a skill only U has); one of the others
 * (O) alone has the skill of two jobs by the depot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { checkStoredPlan } from '../fixtures/stored-plan-check.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { createEstimateProvider } from '../../routing/providers/index.ts';

let engine: Engine;
let ops: HttpSession;
let accountId: string;
const region = `osaka-${randomBytes(3).toString('hex')}`;
const date = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
const shift = { start: '08:00', end: '18:00', timeZone: 'Asia/Tokyo', workingDays: [1, 2, 3, 4, 5, 6, 7] };
const uHome = { lat: 34.6, lng: 135.4 };
const depot = { lat: 34.7, lng: 135.55 }; // ≈ 18 km from U's home
const tech: Record<'u' | 'o' | 'c', string> = { u: '', o: '', c: '' };
const job: Record<'near1' | 'near2' | 'roof' | 'elec1' | 'elec2' | 'depot', string> = { near1: '', near2: '', roof: '', elec1: '', elec2: '', depot: '' };

beforeAll(async () => {
  engine = await startEngine();
  ops = await HttpSession.signIn(engine.baseUrl, (await addUser(engine, ['ops'])).email);
  accountId = (await ops.request('POST', '/api/accounts', { name: 'Osaka Repairs KK', owner: { name: 'Ota Owner', email: uniqueEmail('osaka-owner') } })).json.accountId;
  const addTech = async (name: string, skills: string[], startLocation: { lat: number; lng: number }) => {
    const r = await ops.request('POST', `/api/accounts/${accountId}/technicians`, { name, region, skills, shift, startLocation, endLocation: startLocation });
    expect(r.status, r.text).toBe(201);
    return r.json.id as string;
  };
  tech.u = await addTech('Uma Unwell', ['roofing'], uHome);
  tech.o = await addTech('Oki Ohm', ['electrics'], depot);
  tech.c = await addTech('Chie Common', [], depot);
  const addJob = async (k: string, location: { lat: number; lng: number }, requiredSkills: string[] = []) => {
    const r = await ops.request('POST', `/api/accounts/${accountId}/jobs`, { region, date, customer: { name: `Customer ${k}` }, location, serviceMinutes: 30, requiredSkills });
    expect(r.status, r.text).toBe(201);
    return r.json.id as string;
  };
  job.near1 = await addJob('near1', { lat: 34.605, lng: 135.405 });
  job.near2 = await addJob('near2', { lat: 34.61, lng: 135.395 });
  job.roof = await addJob('roof', { lat: 34.595, lng: 135.41 }, ['roofing']);
  job.elec1 = await addJob('elec1', { lat: 34.705, lng: 135.555 }, ['electrics']);
  job.elec2 = await addJob('elec2', { lat: 34.71, lng: 135.545 }, ['electrics']);
  job.depot = await addJob('depot', { lat: 34.695, lng: 135.56 });
});
afterAll(() => engine?.close());

const dayPath = () => `/api/accounts/${accountId}/route-plans/${region}/${date}`;
const storedVersion = (version: number) => engine.deps.models.RoutePlan.findOne({ accountId, region, date, version }).lean();
const routing = () => createEstimateProvider(engine.config.routing.estimate);

describe('a technician unavailable during the day', () => {
  it('re-plans the running day: others’ done and in-progress stops kept, the technician’s stops moved or unassigned with a reason', { timeout: 120_000 }, async () => {
    expect((await ops.request('POST', `/api/accounts/${accountId}/route-plans`, { region, date })).status).toBe(202);
    const draft = await waitFor('the draft', async () => {
      const r = await ops.request('GET', dayPath());
      return r.status === 200 && r.json.phase === 'awaiting-approval' ? r.json : undefined;
    });
    expect((await ops.request('POST', `${dayPath()}/approve`, { version: draft.version })).status).toBe(200);
    await waitFor('published', async () => (await storedVersion(draft.version))?.status === 'published');
    const before = (await storedVersion(draft.version))!;
    const first = await checkStoredPlan(engine.deps.models, routing(), before._id);
    expect(first.violations).toEqual([]);
    const stopsOf = (plan: typeof before, technicianId: string) => plan.routes.find((r) => r.technicianId === technicianId)?.stops ?? [];
    // The layout did its job: U has the jobs by their home, O the two electrical ones.
    const uStops = stopsOf(before, tech.u);
    expect(uStops.map((s) => s.jobId).sort()).toEqual([job.near1, job.near2, job.roof].sort());
    const oStops = stopsOf(before, tech.o);
    expect(oStops.map((s) => s.jobId)).toEqual(expect.arrayContaining([job.elec1, job.elec2]));

    // O's first stop is done (4 minutes late), the second in progress.
    const [done, inProgress] = oStops;
    const late = new Date(done!.start.getTime() + 4 * 60_000);
    const patched = await Promise.all([
      ops.request('PATCH', `/api/jobs/${done!.jobId}`, { status: 'done', technicianId: tech.o, startedAt: late.toISOString(), completedAt: new Date(late.getTime() + 30 * 60_000).toISOString() }),
      ops.request('PATCH', `/api/jobs/${inProgress!.jobId}`, { status: 'in-progress', technicianId: tech.o, startedAt: inProgress!.start.toISOString() }),
    ]);
    expect(patched.map((r) => r.status)).toEqual([200, 200]);

    // Refusals first: bad input lists every failing field; an engineer may not; an unknown technician is a 404.
    const bad = await ops.request('POST', `/api/technicians/${tech.u}/unavailable`, { reason: 'flu', from: 'noon', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(expect.arrayContaining(['/body/from', '/body/reason']));
    const wrongDay = await ops.request('POST', `/api/technicians/${tech.u}/unavailable`, { reason: 'absence', date, from: new Date(Date.parse(`${date}T12:00:00+09:00`) + 86_400_000).toISOString() });
    expect(wrongDay.status).toBe(400);
    expect(wrongDay.json.errors).toEqual([expect.objectContaining({ path: '/body/from' })]);
    const engineer = await HttpSession.signIn(engine.baseUrl, (await addUser(engine, ['engineer'])).email);
    expect((await engineer.request('POST', `/api/technicians/${tech.u}/unavailable`, { reason: 'absence', date })).status).toBe(403);
    expect((await ops.request('POST', `/api/technicians/tec_${'0'.repeat(32)}/unavailable`, { reason: 'absence', date })).status).toBe(404);

    const marked = await ops.request('POST', `/api/technicians/${tech.u}/unavailable`, { reason: 'absence', date });
    expect(marked.status, marked.text).toBe(200);
    expect(marked.json).toEqual({ technicianId: tech.u, date, reason: 'absence', signalled: true });
    expect((await engine.deps.models.Technician.findById(tech.u).lean())!.unavailable).toEqual([expect.objectContaining({ date, reason: 'absence' })]);
    const audited = await engine.deps.models.AuditEntry.findOne({ action: 'technician.unavailable', 'target.id': tech.u }).lean();
    expect(audited?.details).toMatchObject({ accountId, region, date, reason: 'absence', signalled: true });
    expect(audited?.actor?.kind).toBe('user');

    // The signal reached the day; a dispatcher's re-plan takes it in at once (instead of after the settling minute).
    const handle = engine.deps.temporal.workflow.getHandle(workflowIds.dailyRoutePlanning(accountId, region, date));
    await waitFor('the technicianUnavailable signal in the history', async () => {
      const { events } = await handle.fetchHistory();
      return events!.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'technicianUnavailable');
    });
    const replanned = await ops.request('POST', `${dayPath()}/replan`);
    expect(replanned.status, replanned.text).toBe(200);
    const state = (await ops.request('GET', dayPath())).json;
    expect(state.version).toBe(draft.version + 1);
    expect(state.phase).toBe('published');
    expect(state.log.at(-1).reason).toContain(`technician ${tech.u} unavailable`);

    const after = (await storedVersion(state.version))!;
    expect(after.status).toBe('published');
    expect((await storedVersion(draft.version))!.status).toBe('superseded');
    const check = await checkStoredPlan(engine.deps.models, routing(), after._id);
    expect(check.violations).toEqual([]);
    // O's begun work stays first on O's route, at its actual times.
    expect(stopsOf(after, tech.o).slice(0, 2).map((s) => [s.jobId, s.fixed, s.start.toISOString()])).toEqual([
      [done!.jobId, true, late.toISOString()],
      [inProgress!.jobId, true, inProgress!.start.toISOString()],
    ]);
    // U gets nothing new; their plain jobs went to the others, the roofing one (nobody else can) is unassigned with a reason.
    expect(stopsOf(after, tech.u)).toEqual([]);
    const holder = (jobId: string) => after.routes.find((r) => r.stops.some((s) => s.jobId === jobId))?.technicianId;
    expect([holder(job.near1), holder(job.near2)].every((t) => t === tech.o || t === tech.c)).toBe(true);
    const unassigned = Object.fromEntries(after.unassigned.map((u) => [u.jobId, u.reason]));
    expect(Object.keys(unassigned)).toEqual([job.roof]);
    expect(unassigned[job.roof]).toMatch(/^(time_window|no_room)$/);
    // Published: the jobs follow the plan (the unassigned one open again).
    expect((await engine.deps.models.Job.findById(job.near1).lean())!.technicianId).toBe(holder(job.near1));
    expect((await engine.deps.models.Job.findById(job.roof).lean())!).toMatchObject({ status: 'open' });
  });
});
