/** The platform's one real workflow end to end: an account created over HTTP sends its welcome mail over SMTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

let engine: Engine;
let ops: HttpSession;

beforeAll(async () => {
  engine = await startEngine();
  const user = await addUser(engine, ['ops']);
  ops = await HttpSession.signIn(engine.baseUrl, user.email);
});
afterAll(() => engine?.close());

describe('POST /api/accounts', () => {
  it('creates the account, starts onboarding and delivers one welcome mail to the owner', async () => {
    const owner = uniqueEmail('owner');
    const res = await ops.request('POST', '/api/accounts', { name: 'Acme Field Services', owner: { name: 'Olive Owner', email: owner } });
    expect(res.status).toBe(202);
    const { accountId, workflowId } = res.json;
    expect(workflowId).toBe(`account-onboarding-${accountId}`);

    const [mail] = await waitFor('the welcome mail in the sink', async () => {
      const m = await mailTo(owner);
      return m.length ? m : undefined;
    });
    expect(mail!.subject).toBe('Welcome to LORO CRM, Acme Field Services');
    expect(mail!.text).toContain('Hello Olive Owner');
    expect(mail!.messageId).toMatch(/@loro\.engine>$/);

    const account = await waitFor('onboarding state welcomed', async () => {
      const r = await ops.request('GET', `/api/accounts/${accountId}`);
      return r.json?.onboarding?.state === 'welcomed' ? r.json : undefined;
    });
    expect(account).toMatchObject({ id: accountId, status: 'active', onboarding: { status: 'welcomed' } });

    // The execution is visible through the API's visibility listing, with its business key.
    const listed = await waitFor('the execution in /api/workflows', async () => {
      const r = await ops.request('GET', '/api/workflows?type=accountOnboarding&status=RUNNING&pageSize=200');
      return r.json.executions.find((e: { workflowId: string }) => e.workflowId === workflowId);
    });
    expect(listed).toMatchObject({ type: 'accountOnboarding', status: 'RUNNING', taskQueue: engine.config.temporal.taskQueue });

    // The workflow history holds the account ID only: no name or address of the owner.
    const history = await engine.deps.temporal.workflow.getHandle(workflowId).fetchHistory();
    const text = JSON.stringify(history);
    expect(text).not.toContain(owner);
    expect(text).not.toContain('Olive Owner');

    const signedIn = await ops.request('POST', `/api/accounts/${accountId}/owner-signed-in`);
    expect(signedIn.status).toBe(202);
    await expect(engine.deps.temporal.workflow.getHandle(workflowId).result()).resolves.toBe('completed');
    expect(await mailTo(owner)).toHaveLength(1);
  });

  it('answers bad input with 400 problem+json naming every failing field, and stores nothing', async () => {
    const before = await engine.deps.models.Account.countDocuments();
    const res = await ops.request('POST', '/api/accounts', { name: '', owner: { email: 'not-an-address' }, plan: 'gold' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.json.type).toMatch(/validation$/);
    expect(res.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/body/name', '/body/owner/email', '/body/owner/name', '/body/plan']);
    expect(await engine.deps.models.Account.countDocuments()).toBe(before);
  });

  it('rejects a malformed JSON body with a problem, not a stack trace', async () => {
    const res = await fetch(`${engine.baseUrl}/api/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: ops.cookieHeader },
      body: '{"name": ',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.text()).not.toContain('at JSON.parse');
  });

  it('answers 404 for an unknown account', async () => {
    const res = await ops.request('GET', `/api/accounts/acc_${'0'.repeat(32)}`);
    expect(res.status).toBe(404);
  });
});
