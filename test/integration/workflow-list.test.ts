/**
 * The workflow monitor's list against the real Temporal server: each business-key filter (search attributes account,
 * lead, region, plan date) and the start-time range really narrow the list; bad filters are a 400 naming every
 * failing field; saved views are shared, created by ops and up, deleted by their creator or an admin, and audited.
 *
 * The executions are started on a task queue no worker polls: they stay running with the search attributes they
 * were started with, which is all a list needs. Their type is unique to this file, so other files' executions on
 * the same server never match.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TypedSearchAttributes } from '@temporalio/common';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { waitFor } from '../fixtures/wait.ts';
import { newId } from '../../models/ids.ts';
import { accountIdKey, leadIdKey, planDateKey, regionKey } from '../../lib/search-attributes.ts';

let engine: Engine;
let ops: HttpSession;
let otherOps: HttpSession;
let engineer: HttpSession;
let admin: HttpSession;
let opsUserId: string;

const type = `listProbe${randomBytes(4).toString('hex')}`;
const accountA = newId('acc');
const accountB = newId('acc');
const lead = newId('led');
const region = `rg-${randomBytes(3).toString('hex')}`;
const date = `2031-0${1 + (randomBytes(1)[0]! % 9)}-1${randomBytes(1)[0]! % 10}`;
/** Started before `boundary`: w1–w3; after it: w4. */
let boundary: string;
const ids = { w1: `${type}-1`, w2: `${type}-2`, w3: `${type}-3`, w4: `${type}-4` };

interface Page {
  executions: { workflowId: string; startTime: string; searchAttributes?: Record<string, string> }[];
  nextPageToken: string | null;
}

async function start(workflowId: string, attrs: NonNullable<ConstructorParameters<typeof TypedSearchAttributes>[0]>) {
  await engine.deps.temporal.workflow.start(type, { taskQueue: `${engine.config.temporal.taskQueue}-idle`, workflowId, typedSearchAttributes: attrs });
}

/** The IDs listed for these filters (always within this file's type), sorted. */
async function listed(filters: Record<string, string>, session = ops): Promise<string[]> {
  const res = await session.request('GET', `/api/workflows?${new URLSearchParams({ type, ...filters })}`);
  expect(res.status, res.text).toBe(200);
  return (res.json as Page).executions.map((e) => e.workflowId).sort();
}

beforeAll(async () => {
  engine = await startEngine({ worker: false });
  const users = await Promise.all([addUser(engine, ['ops']), addUser(engine, ['ops']), addUser(engine, ['engineer']), addUser(engine, ['admin'])]);
  opsUserId = users[0].id;
  [ops, otherOps, engineer, admin] = (await Promise.all(users.map((u) => HttpSession.signIn(engine.baseUrl, u.email)))) as [HttpSession, HttpSession, HttpSession, HttpSession];

  await start(ids.w1, [
    { key: accountIdKey, value: accountA },
    { key: regionKey, value: region },
    { key: planDateKey, value: date },
  ]);
  await start(ids.w2, [
    { key: accountIdKey, value: accountA },
    { key: leadIdKey, value: lead },
  ]);
  await start(ids.w3, [
    { key: accountIdKey, value: accountB },
    { key: regionKey, value: region },
  ]);
  const first = await waitFor('the first three in visibility', async () => {
    const res = await ops.request('GET', `/api/workflows?type=${type}`);
    return res.json?.executions?.length === 3 ? (res.json as Page) : undefined;
  });
  // Just after the latest start visibility holds (ms precision rounds down): w4 starts later still.
  boundary = new Date(Math.max(...first.executions.map((e) => Date.parse(e.startTime))) + 1).toISOString();
  await waitFor('the clock past the boundary', async () => Date.now() > Date.parse(boundary) + 5);
  await start(ids.w4, [
    { key: accountIdKey, value: accountB },
    { key: planDateKey, value: date },
  ]);
  await waitFor('all four in visibility', async () => (await listed({})).length === 4);
});

afterAll(async () => {
  if (engine) {
    await Promise.allSettled(Object.values(ids).map((id) => engine.deps.temporal.workflow.getHandle(id).terminate('test over')));
    await engine.close();
  }
});

describe('GET /api/workflows filters', () => {
  it('narrows by each business key (search attribute), and by several at once', async () => {
    expect(await listed({})).toEqual([ids.w1, ids.w2, ids.w3, ids.w4]);
    expect(await listed({ account: accountA })).toEqual([ids.w1, ids.w2]);
    expect(await listed({ account: accountB })).toEqual([ids.w3, ids.w4]);
    expect(await listed({ lead })).toEqual([ids.w2]);
    expect(await listed({ region })).toEqual([ids.w1, ids.w3]);
    expect(await listed({ date })).toEqual([ids.w1, ids.w4]);
    expect(await listed({ account: accountB, region })).toEqual([ids.w3]);
    expect(await listed({ account: accountA, date, region })).toEqual([ids.w1]);
    expect(await listed({ lead: newId('led') })).toEqual([]);
  });

  it('narrows by start time: from is inclusive, to exclusive', async () => {
    expect(await listed({ from: boundary })).toEqual([ids.w4]);
    expect(await listed({ to: boundary })).toEqual([ids.w1, ids.w2, ids.w3]);
    expect(await listed({ from: new Date(Date.parse(boundary) - 3_600_000).toISOString(), to: boundary, region })).toEqual([ids.w1, ids.w3]);
    expect(await listed({ from: '2000-01-01T00:00:00Z', to: '2000-01-02T00:00:00+02:00' })).toEqual([]);
  });

  it('narrows by status, and each summary carries its business keys', async () => {
    expect(await listed({ status: 'RUNNING', account: accountA })).toEqual([ids.w1, ids.w2]);
    expect(await listed({ status: 'COMPLETED' })).toEqual([]);
    const res = await ops.request('GET', `/api/workflows?type=${type}&lead=${lead}`);
    expect(res.json.executions[0].searchAttributes).toEqual({ LoroAccountId: accountA, LoroLeadId: lead });
  });

  it('pages through the filtered list without repeating or losing an execution', async () => {
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const q: Record<string, string> = { type, pageSize: '1', ...(token ? { nextPageToken: token } : {}) };
      const res = await ops.request('GET', `/api/workflows?${new URLSearchParams(q)}`);
      expect(res.status).toBe(200);
      seen.push(...(res.json as Page).executions.map((e) => e.workflowId));
      token = (res.json as Page).nextPageToken;
    } while (token);
    expect(seen.sort()).toEqual([ids.w1, ids.w2, ids.w3, ids.w4]);
  });

  it('answers a bad filter with 400 problem+json naming every failing field', async () => {
    const q = new URLSearchParams({ account: 'acme', lead: 'led_XYZ', region: "x' OR WorkflowType != '", date: '2031-13-40', from: 'yesterday', status: 'NOPE', colour: 'red' });
    const res = await ops.request('GET', `/api/workflows?${q}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const paths = (res.json.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['/query/account', '/query/colour', '/query/date', '/query/from', '/query/lead', '/query/region', '/query/status']);

    const reversed = await ops.request('GET', `/api/workflows?from=2031-01-02T00:00:00Z&to=2031-01-01T00:00:00Z`);
    expect(reversed.status).toBe(400);
    expect(reversed.json.errors).toEqual([{ path: '/query/to', message: 'must be after from' }]);
  });
});

describe('saved views', () => {
  it('ops save a view the whole team lists; its filters narrow the list; creation is audited', async () => {
    const name = `Region ${region} of A`;
    const created = await ops.request('POST', '/api/workflow-views', { name, filters: { account: accountA, region } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: expect.stringMatching(/^wfv_[0-9a-f]{32}$/), name, filters: { account: accountA, region }, createdBy: opsUserId });

    for (const session of [ops, otherOps, engineer, admin]) {
      const list = await session.request('GET', '/api/workflow-views');
      expect(list.status).toBe(200);
      expect(list.json.views).toContainEqual(created.json);
    }
    expect(await listed(created.json.filters)).toEqual([ids.w1]);

    const entry = await engine.deps.models.AuditEntry.findOne({ action: 'workflow-view.created', 'target.id': created.json.id }).lean();
    expect(entry).toMatchObject({ actor: { kind: 'user', id: opsUserId }, details: { name, filters: ['account', 'region'] } });

    const again = await engineer.request('POST', '/api/workflow-views', { name, filters: {} });
    expect(again.status).toBe(409);
  });

  it('answers a bad view with 400 naming every failing field', async () => {
    const res = await ops.request('POST', '/api/workflow-views', { name: '  ', filters: { account: 'acme', date: 'soon', colour: 'red' }, pinned: true });
    expect(res.status).toBe(400);
    const paths = (res.json.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['/body/filters/account', '/body/filters/colour', '/body/filters/date', '/body/name', '/body/pinned']);
    const reversed = await ops.request('POST', '/api/workflow-views', { name: `reversed ${type}`, filters: { from: '2031-01-02T00:00:00Z', to: '2031-01-01T00:00:00Z' } });
    expect(reversed.status).toBe(400);
    expect(reversed.json.errors).toEqual([{ path: '/body/filters/to', message: 'must be after from' }]);
    expect(await engine.deps.models.WorkflowView.countDocuments({ name: `reversed ${type}` })).toBe(0);
  });

  it('only its creator or an admin deletes a view; deletions are audited', async () => {
    const mine = (await ops.request('POST', '/api/workflow-views', { name: `mine ${type}`, filters: { status: 'FAILED' } })).json;
    const theirs = (await engineer.request('POST', '/api/workflow-views', { name: `theirs ${type}`, filters: { type } })).json;

    const refused = await otherOps.request('DELETE', `/api/workflow-views/${mine.id}`);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(await engine.deps.models.WorkflowView.countDocuments({ _id: mine.id })).toBe(1);

    expect((await ops.request('DELETE', `/api/workflow-views/${mine.id}`)).status).toBe(204);
    expect((await admin.request('DELETE', `/api/workflow-views/${theirs.id}`)).status).toBe(204);
    const names = (await ops.request('GET', '/api/workflow-views')).json.views.map((v: { name: string }) => v.name);
    expect(names).not.toContain(`mine ${type}`);
    expect(names).not.toContain(`theirs ${type}`);

    const deletions = await engine.deps.models.AuditEntry.find({ action: 'workflow-view.deleted', 'target.id': { $in: [mine.id, theirs.id] } }).sort({ _id: 1 }).lean();
    expect(deletions.map((d) => [d.target!.id, d.actor!.id === opsUserId ? 'creator' : 'admin'])).toEqual([
      [mine.id, 'creator'],
      [theirs.id, 'admin'],
    ]);
    expect((await admin.request('DELETE', `/api/workflow-views/${mine.id}`)).status).toBe(404);
    expect((await admin.request('DELETE', '/api/workflow-views/not-an-id')).status).toBe(400);
  });
});
