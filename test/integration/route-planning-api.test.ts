/**
 * A planning day over HTTP against the real dev server and worker: started on demand (the region's zone gives
 * the cutoff), the draft approved (then published and the technicians mailed), a job added through the API
 * reaching the running day as a signal, a re-plan on request published at once, refusals as 409/404; and which
 * regions the hourly morning trigger starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { regionsDue } from '../../lib/field/planning-day.ts';

let engine: Engine;
let ops: HttpSession;
let accountId: string;
const region = `tokyo-${randomBytes(3).toString('hex')}`;
const date = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
const techEmails = [uniqueEmail('tech-a'), uniqueEmail('tech-b')];

beforeAll(async () => {
  engine = await startEngine();
  ops = await HttpSession.signIn(engine.baseUrl, (await addUser(engine, ['ops'])).email);
  const created = await ops.request('POST', '/api/accounts', { name: 'Tokyo Service KK', owner: { name: 'Oda Owner', email: uniqueEmail('tokyo-owner') } });
  accountId = created.json.accountId;
  for (const [i, email] of techEmails.entries()) {
    const r = await ops.request('POST', `/api/accounts/${accountId}/technicians`, {
      name: `Tech ${i}`,
      email,
      region,
      shift: { start: '08:00', end: '18:00', timeZone: 'Asia/Tokyo', workingDays: [1, 2, 3, 4, 5, 6, 7] },
      startLocation: { lat: 35.68, lng: 139.76 },
    });
    expect(r.status, r.text).toBe(201);
  }
  for (let k = 0; k < 3; k++) {
    const r = await ops.request('POST', `/api/accounts/${accountId}/jobs`, { region, date, customer: { name: `Customer ${k}` }, location: { lat: 35.66 + k / 100, lng: 139.7 + k / 100 }, serviceMinutes: 30 });
    expect(r.status, r.text).toBe(201);
  }
});
afterAll(() => engine?.close());

const dayPath = () => `/api/accounts/${accountId}/route-plans/${region}/${date}`;

describe('route planning over HTTP', () => {
  it('starts a day on demand with the cutoff in the region’s zone, and 404s a region without technicians', async () => {
    const started = await ops.request('POST', `/api/accounts/${accountId}/route-plans`, { region, date });
    expect(started.status, started.text).toBe(202);
    expect(started.json).toMatchObject({ timeZone: 'Asia/Tokyo', approvalCutoffAt: new Date(`${date}T07:30:00+09:00`).toISOString(), dayEndAt: new Date(`${date}T20:00:00+09:00`).toISOString() });
    const again = await ops.request('POST', `/api/accounts/${accountId}/route-plans`, { region, date });
    expect(again.json.runId).toBe(started.json.runId);
    expect((await ops.request('POST', `/api/accounts/${accountId}/route-plans`, { region: 'nowhere', date })).status).toBe(404);
  });

  it('approves the draft: published, technicians mailed; a second approval is a conflict', async () => {
    const draft = await waitFor('the draft', async () => {
      const r = await ops.request('GET', dayPath());
      return r.status === 200 && r.json.phase === 'awaiting-approval' ? r.json : undefined;
    });
    expect(draft.plan).toMatchObject({ assigned: 3, estimated: true });
    const approved = await ops.request('POST', `${dayPath()}/approve`, { version: draft.version });
    expect(approved.status, approved.text).toBe(200);
    await waitFor('the technicians mailed', async () => (await Promise.all(techEmails.map(mailTo))).flat().length > 0);
    expect((await ops.request('POST', `${dayPath()}/approve`, { version: draft.version })).status).toBe(409);
  });

  it('tells the running day about a new job, and re-plans on request, published at once', async () => {
    const r = await ops.request('POST', `/api/accounts/${accountId}/jobs`, { region, date, customer: { name: 'Late Customer' }, location: { lat: 35.7, lng: 139.8 }, serviceMinutes: 20 });
    expect(r.status).toBe(201);
    const handle = engine.deps.temporal.workflow.getHandle(workflowIds.dailyRoutePlanning(accountId, region, date));
    await waitFor('the jobAdded signal in the history', async () => {
      const { events } = await handle.fetchHistory();
      return events!.some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'jobAdded');
    });
    const replanned = await ops.request('POST', `${dayPath()}/replan`);
    expect(replanned.status, replanned.text).toBe(200);
    const state = (await ops.request('GET', dayPath())).json;
    expect(state.version).toBe(replanned.json.version);
    expect(state.phase).toBe('published');
    expect(state.plan.assigned).toBe(4);
    const plan = await engine.deps.models.RoutePlan.findOne({ accountId, region, date, version: state.version }).lean();
    expect(plan?.status).toBe('published');
  });

  it('hands the console a stored version (stops with times, drawn routes) and its map settings', async () => {
    const state = (await ops.request('GET', dayPath())).json;
    const current = await ops.request('GET', `${dayPath()}/versions/${state.version}`);
    expect(current.status, current.text).toBe(200);
    expect(current.json).toMatchObject({ version: state.version, status: 'published', estimated: true, unassigned: [] });
    const stops = current.json.routes.flatMap((r: { stops: { jobId: string }[] }) => r.stops);
    expect(stops).toHaveLength(4);
    expect(stops.every((s: { arrival: string; departure: string }) => Date.parse(s.departure) > Date.parse(s.arrival))).toBe(true);
    for (const r of current.json.routes.filter((x: { stops: unknown[] }) => x.stops.length)) {
      expect(current.json.geometry.routes[r.technicianId]).toEqual(expect.any(String));
    }
    expect((await ops.request('GET', `${dayPath()}/versions/1`)).json.status).toBe('superseded');
    expect((await ops.request('GET', `${dayPath()}/versions/${state.version + 1}`)).status).toBe(404);
    expect((await ops.request('GET', `${dayPath()}/versions/zero`)).status).toBe(400);
    expect((await ops.request('GET', '/api/field/map-settings')).json).toEqual({ tileUrl: null });
  });

  it('the morning trigger picks the regions whose local planning time has come', async () => {
    const times = engine.config.planning;
    const tokyoSixAm = new Date(`${date}T06:00:00+09:00`);
    const due = await regionsDue(engine.deps.models, tokyoSixAm, times);
    expect(due.filter((d) => d.accountId === accountId)).toEqual([expect.objectContaining({ region, date, timeZone: 'Asia/Tokyo' })]);
    const due2 = await regionsDue(engine.deps.models, new Date(tokyoSixAm.getTime() + 3_600_000), times);
    expect(due2.filter((d) => d.accountId === accountId)).toEqual([]);
  });
});
