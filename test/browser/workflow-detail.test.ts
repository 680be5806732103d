/**
 * The workflow monitor's detail page in a real browser against the real API and worker: an engineer opens an
 * onboarding from the Workflows list, reads its business summary and the decoded history, and terminates it with a
 * reason (audited); ops see the same kind of page with the history redacted and no action buttons.
 * Screenshots land in test-artifacts/screenshots/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CONSOLE_DIST } from '../../lib/paths.ts';
import { addUser, HttpSession, startEngine, TEST_PASSWORD, type Engine } from '../fixtures/engine.ts';
import { assertChromiumInstalled, launchBrowser, saveScreenshot, type BrowserSession, type TestBrowser } from '../fixtures/browser.ts';
import { uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

const UI = 'http://127.0.0.1:8233';
let engine: Engine | undefined;
let browser: TestBrowser | undefined;
let api: HttpSession;
let engineerEmail: string;
let opsEmail: string;
let current: BrowserSession | undefined;

async function ensureConsoleBuilt() {
  if (existsSync(join(CONSOLE_DIST, 'index.html'))) return;
  const { buildConsole } = await import('../../cli/build-console.ts');
  await buildConsole();
}

beforeAll(async () => {
  assertChromiumInstalled();
  const launched = launchBrowser().then((b) => (browser = b));
  const started = ensureConsoleBuilt()
    .then(() => startEngine({ env: { TEMPORAL_UI_URL: UI } }))
    .then((e) => (engine = e));
  const results = await Promise.allSettled([launched, started]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [engineer, ops, creator] = await Promise.all([addUser(engine!, ['engineer']), addUser(engine!, ['ops']), addUser(engine!, ['ops'])]);
  engineerEmail = engineer.email;
  opsEmail = ops.email;
  api = await HttpSession.signIn(engine!.baseUrl, creator.email);
});

afterAll(async () => {
  await browser?.close();
  await engine?.close();
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && current) await saveScreenshot(current.page, `FAILED-${task.name}`).catch(() => {});
});

/** An onboarding that has welcomed its owner and now waits (running, with a summary to show). */
async function welcomedOnboarding() {
  const res = await api.request('POST', '/api/accounts', { name: 'Detail Browser Ltd', owner: { name: 'Wanda Web', email: uniqueEmail('detail-browser') } });
  expect(res.status).toBe(202);
  const { accountId, workflowId } = res.json as { accountId: string; workflowId: string };
  await waitFor('onboarding welcomed', async () => (await api.request('GET', `/api/accounts/${accountId}`)).json?.onboarding?.state === 'welcomed');
  return { accountId, workflowId };
}

async function signIn(email: string): Promise<Page> {
  current = await browser!.newSession({ baseURL: engine!.baseUrl });
  const { page } = current;
  await page.goto('/');
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('user-email').waitFor();
  return page;
}

const startedEvent = (page: Page) => page.locator('[data-testid="history-event"][data-event-type="WorkflowExecutionStarted"]');

describe('workflow detail (browser)', () => {
  it('an engineer opens a workflow from the list, reads the summary and decoded history, and terminates it with a reason', async () => {
    const { accountId, workflowId } = await welcomedOnboarding();
    const page = await signIn(engineerEmail);
    await page.goto('/#/workflows');
    const row = page.locator(`tr[data-testid="workflow-row"][data-workflow-id="${workflowId}"]`);
    await row.getByTestId('workflow-link').click();

    await page.getByTestId('workflow-title').filter({ hasText: 'accountOnboarding' }).waitFor();
    expect(page.url()).toContain(`#/workflows/${encodeURIComponent(workflowId)}`);
    expect(await page.getByTestId('summary-headline').textContent()).toContain('Welcome mail sent');
    expect(await page.getByTestId('workflow-status').textContent()).toBe('RUNNING');
    expect(await page.getByTestId('temporal-ui-link').getAttribute('href')).toMatch(new RegExp(`^${UI}/namespaces/default/workflows/${workflowId}/`));
    expect(await page.getByTestId('history-download').getAttribute('href')).toMatch(/\/history\?runId=.+&download=1$/);

    await page.getByTestId('history-mode').filter({ hasText: 'Payloads decoded' }).waitFor();
    expect(await page.getByTestId('payload-redacted').count()).toBe(0);
    const started = startedEvent(page);
    await started.locator('summary').click();
    const json = await started.locator('pre').textContent();
    expect(JSON.parse(json!).input).toEqual([{ accountId }]);
    await saveScreenshot(page, 'workflow-detail-01-engineer-decoded');

    // No reason, no termination: the dialog says why and stays open.
    await page.getByTestId('action-terminate').click();
    const dialog = page.getByTestId('workflow-action-dialog');
    await dialog.getByRole('button', { name: 'Terminate', exact: true }).click();
    expect(await dialog.getByTestId('workflow-action-dialog-error').textContent()).toContain('Give a reason');
    expect((await api.request('GET', `/api/workflows/${workflowId}`)).json.status).toBe('RUNNING');

    const reason = 'browser test: duplicate onboarding';
    await dialog.getByTestId('action-reason').fill(reason);
    await saveScreenshot(page, 'workflow-detail-02-terminate-dialog');
    await dialog.getByRole('button', { name: 'Terminate', exact: true }).click();
    await page.getByTestId('action-done').filter({ hasText: 'Terminated' }).waitFor();
    await page.getByTestId('workflow-status').filter({ hasText: /^TERMINATED$/ }).waitFor();
    expect(await page.getByTestId('action-terminate').count()).toBe(0);
    await page.locator('[data-testid="history-event"][data-event-type="WorkflowExecutionTerminated"]').waitFor();
    await saveScreenshot(page, 'workflow-detail-03-terminated');

    const entry = await engine!.deps.models.AuditEntry.findOne({ action: 'workflow.terminate', 'target.id': workflowId }).lean();
    expect(entry?.details).toMatchObject({ reason, workflowType: 'accountOnboarding' });
    await current!.context.close();
  });

  it('ops see the history redacted and no action buttons', async () => {
    const { workflowId } = await welcomedOnboarding();
    const page = await signIn(opsEmail);
    await page.goto(`/#/workflows/${encodeURIComponent(workflowId)}`);
    await page.getByTestId('workflow-title').filter({ hasText: 'accountOnboarding' }).waitFor();
    await page.getByTestId('history-mode').filter({ hasText: 'Payloads redacted' }).waitFor();
    expect(await page.getByTestId('summary-headline').textContent()).toContain('Welcome mail sent');

    const started = startedEvent(page);
    expect(await started.getByTestId('payload-redacted').textContent()).toMatch(/^redacted · 2 payloads, \d+ bytes$/);
    await started.locator('summary').click();
    const attrs = JSON.parse((await started.locator('pre').textContent())!);
    expect(attrs.input).toEqual([{ $redacted: 'payload', bytes: expect.any(Number) }]);
    expect(await page.getByTestId('payload-redacted').count()).toBeGreaterThanOrEqual(4);

    for (const action of ['action-signal', 'action-cancel', 'action-terminate']) expect(await page.getByTestId(action).count()).toBe(0);
    // The download stays available (redacted too).
    await page.getByTestId('history-download').waitFor();
    await saveScreenshot(page, 'workflow-detail-04-ops-redacted');
    expect(current!.pageErrors).toEqual([]);
  });
});
