/**
 * The workflow monitor's list in a real browser against the real API and Temporal: filters by business keys kept in
 * the URL (a link opens the same filtered list; applying a filter changes the link), a saved view created, applied
 * and deleted, a bad filter explained; and a reset from the detail page that lands on the new run.
 * Screenshots land in test-artifacts/screenshots/.
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CONSOLE_DIST } from '../../lib/paths.ts';
import { accountIdKey, regionKey } from '../../lib/search-attributes.ts';
import { newId } from '../../models/ids.ts';
import { addUser, HttpSession, startEngine, TEST_PASSWORD, type Engine } from '../fixtures/engine.ts';
import { assertChromiumInstalled, launchBrowser, saveScreenshot, type BrowserSession, type TestBrowser } from '../fixtures/browser.ts';
import { uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

let engine: Engine | undefined;
let browser: TestBrowser | undefined;
let api: HttpSession;
let engineerEmail: string;
let current: BrowserSession | undefined;

const type = `browserProbe${randomBytes(4).toString('hex')}`;
const account = newId('acc');
const region = `rg-${randomBytes(3).toString('hex')}`;
const ids = { w1: `${type}-1`, w2: `${type}-2`, w3: `${type}-3` };

async function ensureConsoleBuilt() {
  if (existsSync(join(CONSOLE_DIST, 'index.html'))) return;
  const { buildConsole } = await import('../../cli/build-console.ts');
  await buildConsole();
}

beforeAll(async () => {
  assertChromiumInstalled();
  const launched = launchBrowser().then((b) => (browser = b));
  const started = ensureConsoleBuilt()
    .then(() => startEngine())
    .then((e) => (engine = e));
  const results = await Promise.allSettled([launched, started]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [engineer, ops] = await Promise.all([addUser(engine!, ['engineer']), addUser(engine!, ['ops'])]);
  engineerEmail = engineer.email;
  api = await HttpSession.signIn(engine!.baseUrl, ops.email);
  // On a task queue no worker polls: they stay running with their search attributes, all a list needs.
  const start = (workflowId: string, attrs: { account: string; region?: string }) =>
    engine!.deps.temporal.workflow.start(type, {
      taskQueue: `${engine!.config.temporal.taskQueue}-idle`,
      workflowId,
      typedSearchAttributes: [{ key: accountIdKey, value: attrs.account }, ...(attrs.region ? [{ key: regionKey, value: attrs.region }] : [])],
    });
  await start(ids.w1, { account, region });
  await start(ids.w2, { account });
  await start(ids.w3, { account: newId('acc'), region });
  await waitFor('the three in visibility', async () => (await api.request('GET', `/api/workflows?type=${type}`)).json?.executions?.length === 3);
});

afterAll(async () => {
  if (engine) await Promise.allSettled(Object.values(ids).map((id) => engine!.deps.temporal.workflow.getHandle(id).terminate('test over')));
  await browser?.close();
  await engine?.close();
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && current) await saveScreenshot(current.page, `FAILED-${task.name}`).catch(() => {});
});

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

/** Waits until the table lists exactly these workflow IDs. */
async function expectRows(page: Page, expected: string[]) {
  const want = [...expected].sort().join(',');
  await waitFor(`rows ${want}`, async () => {
    const got = await page.locator('tr[data-testid="workflow-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-workflow-id')));
    return got.sort().join(',') === want;
  });
}

const hashQuery = (page: Page) => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');

describe('workflow list (browser)', () => {
  it('filters by business keys through the URL, saves a view, applies and deletes it', async () => {
    const page = await signIn(engineerEmail);
    // A shared link opens the filtered list.
    await page.goto(`/#/workflows?type=${type}&account=${account}`);
    await expectRows(page, [ids.w1, ids.w2]);
    expect(await page.locator('#filter-account').inputValue()).toBe(account);

    // Applying a filter puts it in the link.
    await page.locator('#filter-region').fill(region);
    await page.locator('#filter-region').press('Enter');
    await expectRows(page, [ids.w1]);
    expect(Object.fromEntries(hashQuery(page))).toEqual({ type, account, region });
    // A select applies at once.
    await page.locator('#filter-status').selectOption('COMPLETED');
    await waitFor('status in the link', async () => hashQuery(page).get('status') === 'COMPLETED');
    await page.getByText('No executions match these filters').waitFor();
    await page.locator('#filter-status').selectOption('');
    await expectRows(page, [ids.w1]);
    expect(Object.fromEntries(hashQuery(page))).toEqual({ type, account, region });
    await saveScreenshot(page, 'workflows-01-filtered');

    // Save the filters as a view for the team.
    const name = `Browser view ${type}`;
    await page.getByTestId('save-view').click();
    const dialog = page.getByTestId('save-view-dialog');
    await dialog.getByTestId('view-name').fill(name);
    await dialog.getByRole('button', { name: 'Save view', exact: true }).click();
    await waitFor('the view selected', async () => (await page.getByTestId('saved-view-select').locator('option:checked').textContent()) === name);
    const saved = (await api.request('GET', '/api/workflow-views')).json.views.find((v: { name: string }) => v.name === name);
    expect(saved.filters).toEqual({ type, account, region });

    // Cleared, then the view applied again from the list.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitFor('filters cleared from the link', async () => !hashQuery(page).has('account'));
    await page.getByTestId('saved-view-select').selectOption({ label: name });
    await expectRows(page, [ids.w1]);
    expect(Object.fromEntries(hashQuery(page))).toEqual({ type, account, region });
    await saveScreenshot(page, 'workflows-02-saved-view');

    // Its creator deletes it.
    await page.getByTestId('delete-view').click();
    await page.getByTestId('delete-view-dialog').getByRole('button', { name: 'Delete view', exact: true }).click();
    await waitFor('the view gone', async () => !(await api.request('GET', '/api/workflow-views')).json.views.some((v: { name: string }) => v.name === name));
    // The list is refreshed after the server's answer, so it may lag the API by a moment.
    await page.getByTestId('saved-view-select').locator('option', { hasText: name }).waitFor({ state: 'detached' });
    await current!.context.close();
  });

  it('explains a bad filter in the link', async () => {
    const page = await signIn(engineerEmail);
    await page.goto('/#/workflows?account=acme&date=someday');
    const error = page.getByText('Check the filters');
    await error.waitFor();
    const text = await page.locator('.page').textContent();
    expect(text).toMatch(/account/);
    expect(text).toMatch(/date/);
    await current!.context.close();
  });

  it('an engineer resets a running onboarding from its page and lands on the new run', async () => {
    const res = await api.request('POST', '/api/accounts', { name: 'Reset Browser Ltd', owner: { name: 'Rita Reset', email: uniqueEmail('reset-browser') } });
    expect(res.status).toBe(202);
    const { accountId, workflowId } = res.json as { accountId: string; workflowId: string };
    await waitFor('onboarding welcomed', async () => (await api.request('GET', `/api/accounts/${accountId}`)).json?.onboarding?.state === 'welcomed');
    const oldRunId = (await api.request('GET', `/api/workflows/${workflowId}`)).json.runId as string;

    const page = await signIn(engineerEmail);
    await page.goto(`/#/workflows/${encodeURIComponent(workflowId)}`);
    await page.getByTestId('action-reset').click();
    const dialog = page.getByTestId('workflow-action-dialog');
    await dialog.getByTestId('action-reason').fill('browser test: replay the welcome step');
    await saveScreenshot(page, 'workflows-03-reset-dialog');
    await dialog.getByRole('button', { name: 'Reset', exact: true }).click();

    await page.getByTestId('action-done').filter({ hasText: 'Reset' }).waitFor();
    const newRunId = await waitFor('the new run in the link', async () => {
      const runId = hashQuery(page).get('runId');
      return runId && runId !== oldRunId ? runId : undefined;
    });
    expect((await api.request('GET', `/api/workflows/${workflowId}`)).json).toMatchObject({ runId: newRunId, status: 'RUNNING' });
    await page.getByTestId('workflow-status').filter({ hasText: /^RUNNING$/ }).waitFor();
    await saveScreenshot(page, 'workflows-04-reset-done');
    await engine!.deps.temporal.workflow.getHandle(workflowId).terminate('test over');
    await current!.context.close();
  });
});
