/**
 * GET /api/dashboard against the real dev server, worker and FerretDB: workflow counts of this file's task queue
 * by type and status as executions start, end and are terminated (with an unknown type under "(other)"); today's
 * route plans in each region's own zone, newest version only; enrollments and the send ledger per UTC day; accounts
 * in their grace period, soonest purge first, with legal holds — and no name or address anywhere in the answer.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { dashboardResponseSchema, type DashboardResponse } from '../../schemas/dashboard.ts';
import { KNOWN_WORKFLOW_TYPES, OTHER_TYPES } from '../../api/dashboard/workflow-counts.ts';
import { localDate } from '../../lib/field/shift.ts';
import type { ROUTE_PLAN_STATUSES } from '../../models/route-plan.ts';
import type { ENROLLMENT_STATUSES } from '../../models/enrollment.ts';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

const DAY = 86_400_000;
const hex = () => randomBytes(16).toString('hex');
const validate = (() => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(dashboardResponseSchema);
})();

let engine: Engine;
let ops: HttpSession;
let admin: HttpSession;

beforeAll(async () => {
  engine = await startEngine();
  const [o, a] = await Promise.all([addUser(engine, ['ops']), addUser(engine, ['admin'])]);
  [ops, admin] = await Promise.all([HttpSession.signIn(engine.baseUrl, o.email), HttpSession.signIn(engine.baseUrl, a.email)]);
});
afterAll(() => engine?.close());

async function dashboard(session = ops): Promise<DashboardResponse> {
  const res = await session.request('GET', '/api/dashboard');
  expect(res.status, res.text).toBe(200);
  expect(validate(res.json), JSON.stringify(validate.errors)).toBe(true);
  return res.json as DashboardResponse;
}

const countsOf = (d: DashboardResponse, type: string) => d.workflows.byType.find((t) => t.type === type)?.counts;

async function createAccount(name: string) {
  const email = uniqueEmail('dash-owner');
  const res = await ops.request('POST', '/api/accounts', { name, owner: { name: 'Dora Dashboard', email } });
  expect(res.status, res.text).toBe(202);
  return { accountId: res.json.accountId as string, workflowId: res.json.workflowId as string, email };
}

describe('GET /api/dashboard', () => {
  it('is for staff only', async () => {
    expect((await new HttpSession(engine.baseUrl).request('GET', '/api/dashboard')).status).toBe(401);
    const engineer = await HttpSession.signIn(engine.baseUrl, (await addUser(engine, ['engineer'])).email);
    await dashboard(engineer);
    await dashboard(admin);
  });

  // Before any workflow of this file runs: no real mail lands in the ledger while the counts are compared.
  it('counts enrollments by status and the send ledger’s sent mail per UTC day', async () => {
    const before = await dashboard();
    const { Enrollment, Notification } = engine.deps.models;
    const enrollment = (status: (typeof ENROLLMENT_STATUSES)[number]) => ({ _id: `lead-nurturing-dash-${hex()}`, accountId: 'acc_dash', leadId: `led_${hex()}`, sequenceId: `seq_${hex()}`, version: 1, runId: hex(), status });
    await Enrollment.create((['running', 'running', 'completed', 'goal-reached', 'stopped'] as const).map(enrollment));
    const now = Date.now();
    const sent = (at: number, status: 'sent' | 'sending' = 'sent') => ({ _id: `dashboard-test-${hex()}`, kind: 'test', status, messageId: `<${hex()}@t>`, ...(status === 'sent' ? { sentAt: new Date(at) } : {}) });
    await Notification.create([sent(now), sent(now), sent(now - 2 * DAY), sent(now - 8 * DAY), sent(now, 'sending')]);

    const after = await dashboard();
    expect(after.enrollments).toEqual({ active: before.enrollments.active + 2, completed: before.enrollments.completed + 2, stopped: before.enrollments.stopped + 1 });
    const today = new Date(now).toISOString().slice(0, 10);
    expect(after.sends.days.map((d) => d.date)).toEqual(Array.from({ length: 7 }, (_, i) => new Date(Date.parse(today) - (6 - i) * DAY).toISOString().slice(0, 10)));
    const delta = after.sends.days.map((d, i) => d.sent - before.sends.days[i]!.sent);
    expect(delta).toEqual([0, 0, 0, 0, 1, 0, 2]);
    expect(after.sends.today).toBe(before.sends.today + 2);
    expect(after.sends.last7Days).toBe(after.sends.days.reduce((n, d) => n + d.sent, 0));
  });

  it('counts the task queue’s executions by type and status as they start, end and are terminated', async () => {
    const before = await dashboard();
    expect(before.workflows.taskQueue).toBe(engine.config.temporal.taskQueue);
    expect(before.workflows.byType.map((t) => t.type).slice(0, KNOWN_WORKFLOW_TYPES.length)).toEqual(KNOWN_WORKFLOW_TYPES);
    expect(KNOWN_WORKFLOW_TYPES).toContain('accountOnboarding');
    const base = countsOf(before, 'accountOnboarding')!;

    const [first, second] = [await createAccount('Count One Ltd'), await createAccount('Count Two Ltd')];
    await waitFor('two more onboardings running', async () => countsOf(await dashboard(), 'accountOnboarding')!.running === base.running + 2);

    const { temporal } = engine.deps;
    await temporal.workflow.getHandle(second.workflowId).terminate('dashboard test');
    const rollUp = `dashboard-test-roll-up-${hex()}`;
    await temporal.workflow.execute('usageRollUp', { taskQueue: engine.config.temporal.taskQueue, workflowId: rollUp, args: [] });
    // A type the worker does not run: its execution waits, counted as running under "(other)".
    const stray = await temporal.workflow.start('noSuchWorkflowType', { taskQueue: engine.config.temporal.taskQueue, workflowId: `dashboard-test-stray-${hex()}`, args: [] });

    const after = await waitFor('the terminated onboarding, the finished roll-up and the stray execution counted', async () => {
      const d = await dashboard();
      const onboarding = countsOf(d, 'accountOnboarding')!;
      return onboarding.terminated === base.terminated + 1 && countsOf(d, 'usageRollUp')!.completed >= 1 && countsOf(d, OTHER_TYPES)?.running === 1 ? d : undefined;
    });
    expect(countsOf(after, 'accountOnboarding')).toMatchObject({ running: base.running + 1, terminated: base.terminated + 1 });
    const sum = (key: keyof DashboardResponse['workflows']['totals']) => after.workflows.byType.reduce((n, t) => n + t.counts[key], 0);
    for (const key of Object.keys(after.workflows.totals) as (keyof DashboardResponse['workflows']['totals'])[]) expect(sum(key), key).toBe(after.workflows.totals[key]);
    expect(JSON.stringify(after)).not.toContain(first.email);

    await stray.terminate('dashboard test');
    await waitFor('the stray execution no longer running', async () => !countsOf(await dashboard(), OTHER_TYPES)?.running);
  });

  it('lists the newest version of each region’s plan for today in the region’s own zone', async () => {
    const { accountId } = await createAccount('Plans Ltd');
    const utcRegion = `utc-${hex().slice(0, 6)}`;
    const farRegion = `kiritimati-${hex().slice(0, 6)}`;
    const tech = await ops.request('POST', `/api/accounts/${accountId}/technicians`, {
      name: 'Kiri Tech',
      email: uniqueEmail('kiri-tech'),
      region: farRegion,
      shift: { start: '08:00', end: '18:00', timeZone: 'Pacific/Kiritimati', workingDays: [1, 2, 3, 4, 5, 6, 7] },
      startLocation: { lat: 1.87, lng: -157.4 },
    });
    expect(tech.status, tech.text).toBe(201);
    const now = new Date();
    const utcToday = now.toISOString().slice(0, 10);
    const farToday = localDate(now, 'Pacific/Kiritimati');
    const route = (technicianId: string, jobIds: string[]) => ({
      technicianId,
      stops: jobIds.map((jobId) => ({ jobId, arrival: now, start: now, departure: now })),
      distanceMeters: 1000,
      durationSeconds: 600,
    });
    const plan = (region: string, date: string, version: number, status: (typeof ROUTE_PLAN_STATUSES)[number], extra: object = {}) => ({
      _id: `rpl_${hex()}`,
      accountId,
      region,
      date,
      version,
      status,
      estimated: true,
      technicians: 2,
      ...extra,
    });
    const published = plan(utcRegion, utcToday, 2, 'published', {
      routes: [route('tec_a', ['job_1', 'job_2']), route('tec_b', ['job_3'])],
      unassigned: [{ jobId: 'job_4', reason: 'no-capacity' }],
    });
    const far = plan(farRegion, farToday, 1, 'draft', { technicians: 1, routes: [route('tec_k', ['job_9'])] });
    await engine.deps.models.RoutePlan.create([
      plan(utcRegion, utcToday, 1, 'superseded'),
      published,
      plan(utcRegion, new Date(now.getTime() + 2 * DAY).toISOString().slice(0, 10), 1, 'draft'),
      far,
      // The far region's UTC date is not its today (Kiritimati is UTC+14) unless both dates agree.
      ...(farToday === utcToday ? [] : [plan(farRegion, utcToday, 5, 'draft')]),
    ]);

    const mine = (await dashboard()).routePlans.filter((p) => p.accountId === accountId);
    expect(mine).toEqual([
      { planId: far._id, accountId, region: farRegion, date: farToday, version: 1, status: 'draft', technicians: 1, assigned: 1, unassigned: 0, estimated: true },
      { planId: published._id, accountId, region: utcRegion, date: utcToday, version: 2, status: 'published', technicians: 2, assigned: 3, unassigned: 1, estimated: true },
    ]);
  });

  it('lists accounts awaiting their purge, soonest first, with legal holds, by ID only', async () => {
    const a = await createAccount('Leaving First GmbH');
    const b = await createAccount('Leaving Second GmbH');
    for (const { accountId } of [a, b]) expect((await ops.request('POST', `/api/accounts/${accountId}/cancellation`)).status).toBe(202);
    expect((await admin.request('POST', '/api/legal-holds', { accountId: b.accountId, reference: 'CASE-DASH-1' })).status).toBe(201);

    const d = await waitFor('both cancellations pending', async () => {
      const r = await dashboard();
      return [a, b].every((x) => r.pendingDeletions.items.some((p) => p.accountId === x.accountId)) ? r : undefined;
    });
    const items = d.pendingDeletions.items;
    expect(d.pendingDeletions.total).toBeGreaterThanOrEqual(2);
    expect(items.map((p) => p.purgeAt)).toEqual([...items.map((p) => p.purgeAt)].sort());
    const [pa, pb] = [a, b].map((x) => items.find((p) => p.accountId === x.accountId)!);
    expect(pa!.held).toBe(false);
    expect(pb!.held).toBe(true);
    for (const p of [pa!, pb!]) expect(Date.parse(p.purgeAt) - Date.parse(p.requestedAt!)).toBe(engine.config.cancellation.graceDays * DAY);
    const text = JSON.stringify(d);
    for (const value of ['Leaving First', 'Leaving Second', 'Dora Dashboard', a.email, b.email]) expect(text).not.toContain(value);
  });
});
