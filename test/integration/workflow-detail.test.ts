/**
 * The workflow monitor's detail API against the real engine: an account's onboarding described with its business
 * summary; its history decoded through the codec for an engineer and redacted for ops (no payload bytes, no key
 * IDs); signal, cancel and terminate with a reason, audited, refused with 409 once the workflow is closed;
 * 404 for unknown workflows; ops cannot act (403); reset makes a new run that runs on, idempotent by request ID.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type proto from '@temporalio/proto';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

const UI = 'http://127.0.0.1:8233';
let engine: Engine;
let engineer: HttpSession;
let ops: HttpSession;

beforeAll(async () => {
  engine = await startEngine({ env: { TEMPORAL_UI_URL: UI } });
  const [e, o] = await Promise.all([addUser(engine, ['engineer']), addUser(engine, ['ops'])]);
  [engineer, ops] = await Promise.all([HttpSession.signIn(engine.baseUrl, e.email), HttpSession.signIn(engine.baseUrl, o.email)]);
});
afterAll(() => engine?.close());

/** An account whose onboarding has sent its welcome mail and now waits for the owner's sign-in. */
async function welcomedOnboarding() {
  const res = await ops.request('POST', '/api/accounts', { name: 'Detail Test Ltd', owner: { name: 'Dora Detail', email: uniqueEmail('detail') } });
  expect(res.status).toBe(202);
  const { accountId, workflowId } = res.json as { accountId: string; workflowId: string };
  await waitFor('onboarding welcomed', async () => (await ops.request('GET', `/api/accounts/${accountId}`)).json?.onboarding?.state === 'welcomed');
  return { accountId, workflowId, path: `/api/workflows/${encodeURIComponent(workflowId)}` };
}

type Event = { eventType: string; attributes: Record<string, any> };
const started = (events: Event[]) => events.find((e) => e.eventType === 'WorkflowExecutionStarted')!;

/** Every position a payload took in a history response: `{ $redacted }` markers or decoded values alike. */
function countMarkers(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countMarkers(v), 0);
  if (value && typeof value === 'object') {
    if ('$redacted' in value) return 1;
    return Object.values(value).reduce((n: number, v) => n + countMarkers(v), 0);
  }
  return 0;
}

describe('GET /api/workflows/:workflowId', () => {
  it('describes a running onboarding with its business summary, search attributes and Temporal UI link', async () => {
    const { accountId, workflowId, path } = await welcomedOnboarding();
    // Once the welcome's milestone is recorded, the workflow waits on its timer with no pending activity.
    const res = await waitFor('no pending activities', async () => {
      const r = await ops.request('GET', path);
      return r.status !== 200 || r.json.pendingActivities.length === 0 ? r : undefined;
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      workflowId,
      type: 'accountOnboarding',
      status: 'RUNNING',
      closeTime: null,
      taskQueue: engine.config.temporal.taskQueue,
      parent: null,
      children: [],
      pendingActivities: [],
      summary: { query: 'onboardingState', state: 'welcomed', headline: expect.stringContaining('Welcome mail sent') },
      summaryError: null,
    });
    expect(res.json.searchAttributes.LoroAccountId).toBe(accountId);
    expect(res.json.temporalUiUrl).toBe(`${UI}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${res.json.runId}/history`);
  });

  it('answers 404 problem+json for an unknown workflow, on every route', async () => {
    const path = '/api/workflows/no-such-workflow-here';
    for (const [method, p, body] of [
      ['GET', path, undefined],
      ['GET', `${path}/history`, undefined],
      ['POST', `${path}/terminate`, { reason: 'cleanup' }],
      ['POST', `${path}/signal`, { name: 'x', reason: 'cleanup' }],
    ] as const) {
      const res = await engineer.request(method, p, body);
      expect(res.status, `${method} ${p}`).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});

describe('GET /api/workflows/:workflowId/history', () => {
  it('an engineer gets the payloads decoded; ops get the same history with every payload redacted and no payload bytes', async () => {
    const { accountId, workflowId, path } = await welcomedOnboarding();
    const decoded = await engineer.request('GET', `${path}/history`);
    expect(decoded.status).toBe(200);
    expect(decoded.json.decoded).toBe(true);
    expect(started(decoded.json.events).attributes.input).toEqual([{ accountId }]);
    expect(started(decoded.json.events).attributes.workflowType).toEqual({ name: 'accountOnboarding' });
    const scheduled = decoded.json.events.filter((e: Event) => e.eventType === 'ActivityTaskScheduled').map((e: Event) => e.attributes.activityType.name);
    expect(scheduled).toEqual(expect.arrayContaining(['provisionAccount', 'sendWelcomeMail']));
    expect(decoded.text).not.toContain('$redacted');

    const redacted = await ops.request('GET', `${path}/history`);
    expect(redacted.status).toBe(200);
    expect(redacted.json.decoded).toBe(false);
    const redactedStart = started(redacted.json.events).attributes;
    expect(redactedStart.input).toEqual([{ $redacted: 'payload', bytes: expect.any(Number) }]);
    expect(redactedStart.input[0].bytes).toBeGreaterThan(0);
    // Same events; the activities' inputs and results too are markers.
    const n = Math.min(redacted.json.events.length, decoded.json.events.length);
    expect(redacted.json.events.slice(0, n).map((e: Event) => e.eventType)).toEqual(decoded.json.events.slice(0, n).map((e: Event) => e.eventType));
    expect(countMarkers(redacted.json.events)).toBeGreaterThanOrEqual(4);

    // No payload data at all: neither the ciphertext, nor its metadata (encoding, key ID).
    const raw = await engine.deps.temporal.workflow.getHandle(workflowId).fetchHistory();
    const fragments = new Set<string>();
    const collect = (v: unknown) => {
      if (v && typeof v === 'object' && 'metadata' in v && 'data' in v && v.data instanceof Uint8Array) {
        const p = v as proto.temporal.api.common.v1.IPayload;
        if (p.data?.length) fragments.add(Buffer.from(p.data).toString('base64').slice(0, 24));
        for (const m of Object.values(p.metadata ?? {})) fragments.add(Buffer.from(m).toString());
        return;
      }
      if (v && typeof v === 'object') for (const x of Object.values(v)) collect(x);
    };
    collect(raw);
    expect(fragments.size).toBeGreaterThan(3);
    // (The owner metadata is the account ID, which the workflow ID itself names.)
    for (const f of fragments) if (!workflowId.includes(f)) expect(redacted.text).not.toContain(f);
    expect(redacted.text).not.toContain('binary/encrypted');
  });

  it('?download=1 answers the JSON as a file', async () => {
    const { path } = await welcomedOnboarding();
    const res = await engineer.request('GET', `${path}/history?download=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="account-onboarding-acc_[0-9a-f]{32}-[0-9a-f-]{36}-history\.json"$/);
    expect(res.json.events.length).toBeGreaterThan(5);
  });
});

describe('actions', () => {
  it('terminate needs a reason; ops cannot; an engineer terminates, it is audited, and a second attempt is a 409', async () => {
    const { workflowId, path } = await welcomedOnboarding();
    const missing = await engineer.request('POST', `${path}/terminate`, {});
    expect(missing.status).toBe(400);
    expect(missing.json.errors.map((e: { path: string }) => e.path)).toEqual(['/body/reason']);
    const blank = await engineer.request('POST', `${path}/terminate`, { reason: '   ' });
    expect(blank.status).toBe(400);

    const forbidden = await ops.request('POST', `${path}/terminate`, { reason: 'ops should not' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toContain('application/problem+json');
    expect((await ops.request('GET', path)).json.status).toBe('RUNNING');

    const reason = 'stuck after a bad deploy, ticket OPS-42';
    const res = await engineer.request('POST', `${path}/terminate`, { reason });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ workflowId, action: 'terminate', auditSeq: expect.any(Number) });
    expect((await engineer.request('GET', path)).json.status).toBe('TERMINATED');

    const entry = await engine.deps.models.AuditEntry.findById(res.json.auditSeq).lean();
    expect(entry).toMatchObject({ action: 'workflow.terminate', target: { type: 'workflow', id: workflowId }, details: { reason, runId: res.json.runId, workflowType: 'accountOnboarding' } });
    expect(entry!.actor).toMatchObject({ kind: 'user', id: expect.stringMatching(/^usr_/) });
    // The free text stays in the audit log; Temporal's (unencrypted) termination reason names the actor only.
    const history = await engineer.request('GET', `${path}/history`);
    const terminated = history.json.events.find((e: Event) => e.eventType === 'WorkflowExecutionTerminated');
    expect(terminated.attributes.reason).toMatch(/^Terminated from the LORO console by user usr_/);
    expect(history.text).not.toContain('OPS-42');

    const again = await engineer.request('POST', `${path}/terminate`, { reason: 'again' });
    expect(again.status).toBe(409);
    expect(again.json.type).toMatch(/not-running$/);
    expect(await engine.deps.models.AuditEntry.countDocuments({ action: 'workflow.terminate.refused', 'target.id': workflowId })).toBe(1);
  });

  it('a signal with a reason reaches the workflow (audited without its arguments); cancel ends another', async () => {
    const first = await welcomedOnboarding();
    const signalled = await engineer.request('POST', `${first.path}/signal`, { name: 'ownerSignedIn', args: [{ note: 'secret-arg' }], reason: 'owner confirmed by phone' });
    expect(signalled.status).toBe(200);
    await expect(engine.deps.temporal.workflow.getHandle(first.workflowId).result()).resolves.toBe('completed');
    const entry = await engine.deps.models.AuditEntry.findById(signalled.json.auditSeq).lean();
    expect(entry).toMatchObject({ action: 'workflow.signal', details: { signal: 'ownerSignedIn', args: 1, reason: 'owner confirmed by phone' } });
    expect(JSON.stringify(entry)).not.toContain('secret-arg');

    const second = await welcomedOnboarding();
    const cancelled = await engineer.request('POST', `${second.path}/cancel`, { reason: 'duplicate account' });
    expect(cancelled.status).toBe(200);
    await waitFor('the onboarding cancelled', async () => (await engineer.request('GET', second.path)).json.status === 'CANCELLED');
  });
});

describe('reset', () => {
  it('needs an engineer and a reason; resets to the last completed workflow task: a new run that really runs on; a retry with the same requestId answers the same reset; audited', async () => {
    const { workflowId, path } = await welcomedOnboarding();
    const before = (await engineer.request('GET', path)).json;
    expect((await ops.request('POST', `${path}/reset`, { reason: 'ops should not' })).status).toBe(403);
    const missing = await engineer.request('POST', `${path}/reset`, { requestId: 'nope' });
    expect(missing.status).toBe(400);
    expect(missing.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/body/reason', '/body/requestId']);
    // Event 1 is WorkflowExecutionStarted: not the end of a workflow task.
    const notATask = await engineer.request('POST', `${path}/reset`, { reason: 'try', eventId: 1 });
    expect(notATask.status).toBe(400);
    expect(notATask.json.errors.map((e: { path: string }) => e.path)).toEqual(['/body/eventId']);

    const reason = 'replay after the mail relay fix, ticket OPS-77';
    const requestId = randomUUID();
    const res = await engineer.request('POST', `${path}/reset`, { reason, requestId });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ workflowId, runId: before.runId, action: 'reset', eventId: expect.any(Number), auditSeq: expect.any(Number) });
    const { newRunId } = res.json as { newRunId: string };
    expect(newRunId).toMatch(/^[0-9a-f-]{36}$/);
    expect(newRunId).not.toBe(before.runId);

    // The old run was terminated by the reset; the workflow ID now names the new run, running.
    expect((await engineer.request('GET', `${path}?runId=${before.runId}`)).json.status).toBe('TERMINATED');
    const after = (await engineer.request('GET', path)).json;
    expect(after).toMatchObject({ runId: newRunId, status: 'RUNNING' });
    const lastTaskDone = (await engineer.request('GET', `${path}/history?runId=${before.runId}`)).json.events.filter((e: Event) => e.eventType === 'WorkflowTaskCompleted').at(-1);
    expect(res.json.eventId).toBe(lastTaskDone.eventId);
    const history = await engineer.request('GET', `${path}/history?runId=${newRunId}`);
    expect(history.json.events.map((e: Event) => e.eventType)).toContain('WorkflowTaskFailed');
    expect(history.text).not.toContain('OPS-77');

    const again = await engineer.request('POST', `${path}/reset`, { reason, requestId });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(res.json);
    expect((await engineer.request('GET', path)).json.runId).toBe(newRunId);

    const entry = await engine.deps.models.AuditEntry.findById(res.json.auditSeq).lean();
    expect(entry).toMatchObject({ action: 'workflow.reset', target: { type: 'workflow', id: workflowId }, details: { runId: before.runId, newRunId, requestId, reason, workflowType: 'accountOnboarding' } });
    expect(await engine.deps.models.AuditEntry.countDocuments({ action: 'workflow.reset', 'target.id': workflowId })).toBe(1);

    // The new run is live: the owner's sign-in completes it.
    expect((await engineer.request('POST', `${path}/signal`, { name: 'ownerSignedIn', reason: 'owner confirmed by phone' })).status).toBe(200);
    await expect(engine.deps.temporal.workflow.getHandle(workflowId, newRunId).result()).resolves.toBe('completed');
  });

  it('resets a closed run to a chosen workflow task event', async () => {
    const { workflowId, path } = await welcomedOnboarding();
    expect((await engineer.request('POST', `${path}/terminate`, { reason: 'by mistake' })).status).toBe(200);
    const events = (await engineer.request('GET', `${path}/history`)).json.events as (Event & { eventId: number })[];
    const firstTask = events.find((e) => e.eventType === 'WorkflowTaskCompleted')!;
    const res = await engineer.request('POST', `${path}/reset`, { reason: 'terminated by mistake', eventId: firstTask.eventId });
    expect(res.status, res.text).toBe(200);
    expect(res.json.eventId).toBe(firstTask.eventId);
    // From its first task on, the new run works through provisioning and the welcome again, then waits for the owner.
    await waitFor('the reset run waiting for the owner', async () => {
      const d = (await engineer.request('GET', path)).json;
      return d.runId === res.json.newRunId && d.status === 'RUNNING' && d.summary?.state === 'welcomed';
    });
    await engineer.request('POST', `${path}/terminate`, { reason: 'test over' });
  });
});
