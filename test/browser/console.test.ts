/**
 * The admin console in a real browser against the real API and worker: sign-in, the Workflows page updated
 * live over socket.io as an account's onboarding runs and completes, the mail outbox, and the sign-in gate.
 * Screenshots of each stage land in test-artifacts/screenshots/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIST } from '../../lib/paths.ts';
import { addUser, HttpSession, startEngine, TEST_PASSWORD, type Engine } from '../fixtures/engine.ts';
import { assertChromiumInstalled, launchBrowser, saveScreenshot, type BrowserSession, type TestBrowser } from '../fixtures/browser.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

let engine: Engine | undefined;
let browser: TestBrowser | undefined;
let tab: BrowserSession;
let opsEmail: string;
let api: HttpSession;

const ACCOUNT_NAME = 'Browser Test Plumbing';
const OWNER_NAME = 'Bea Browser';
const owner = uniqueEmail('browser-owner');
let accountId: string;

async function ensureConsoleBuilt() {
  if (existsSync(join(CONSOLE_DIST, 'index.html'))) return;
  const { buildConsole } = await import('../../cli/build-console.ts');
  await buildConsole();
}

beforeAll(async () => {
  // Fail fast (and clearly) without Chromium, before starting anything else.
  assertChromiumInstalled();
  const launched = launchBrowser().then((b) => (browser = b));
  const started = ensureConsoleBuilt()
    .then(() => startEngine())
    .then((e) => (engine = e));
  const results = await Promise.allSettled([launched, started]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;

  const [user, other] = await Promise.all([addUser(engine!, ['ops']), addUser(engine!, ['ops'])]);
  opsEmail = user.email;
  api = await HttpSession.signIn(engine!.baseUrl, other.email);
  tab = await browser!.newSession({ baseURL: engine!.baseUrl });
});

afterAll(async () => {
  await browser?.close();
  await engine?.close();
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && tab) await saveScreenshot(tab.page, `FAILED-${task.name}`).catch(() => {});
});

const nav = (label: string) => tab.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });

describe('admin console (browser)', () => {
  it('rejects a wrong password with an alert, then signs in and shows the user in the top bar', async () => {
    const { page } = tab;
    await page.goto('/');
    await page.locator('#email').fill(opsEmail);
    await page.locator('#password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect((await alert.textContent())?.trim()).toBe('Wrong email or password');
    await saveScreenshot(page, '01-login-wrong-password');

    await page.locator('#password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const userEmail = page.getByTestId('user-email');
    await userEmail.waitFor();
    expect((await userEmail.textContent())?.trim()).toBe(opsEmail);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByTestId('user-role').allTextContents()).toEqual(['ops']);
    await saveScreenshot(page, '02-signed-in');
    expect(tab.pageErrors).toEqual([]);
  });

  it('shows a new onboarding on the Workflows page live: RUNNING, then COMPLETED, without a reload', async () => {
    const { page } = tab;
    await nav('Workflows').click();
    await page.getByRole('heading', { name: 'Workflow executions' }).waitFor();
    // The first page has loaded (a table, or the empty state) and the live connection is up.
    await page.getByTestId('workflow-row').or(page.getByText('No workflow executions yet')).first().waitFor();
    const live = page.getByTestId('live-indicator');
    await live.filter({ hasText: /^live$/ }).waitFor();
    expect(await live.textContent()).toBe('live');
    // Survives only if the document is never reloaded or replaced.
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await saveScreenshot(page, '03-workflows-before');

    const created = await api.request('POST', '/api/accounts', { name: ACCOUNT_NAME, owner: { name: OWNER_NAME, email: owner } });
    expect(created.status).toBe(202);
    accountId = created.json.accountId;
    const workflowId = `account-onboarding-${accountId}`;
    expect(created.json.workflowId).toBe(workflowId);

    const row = page.locator(`tr[data-testid="workflow-row"][data-workflow-id="${workflowId}"]`);
    const status = row.getByTestId('workflow-status');
    await status.filter({ hasText: /^RUNNING$/ }).waitFor();
    expect(await row.count()).toBe(1);
    expect(await status.textContent()).toBe('RUNNING');
    expect(await row.locator('td').nth(1).textContent()).toBe('accountOnboarding');
    await saveScreenshot(page, '04-workflows-running');

    const signedIn = await api.request('POST', `/api/accounts/${accountId}/owner-signed-in`);
    expect(signedIn.status).toBe(202);
    await status.filter({ hasText: /^COMPLETED$/ }).waitFor();
    expect(await status.textContent()).toBe('COMPLETED');
    expect(await row.count()).toBe(1);
    await saveScreenshot(page, '05-workflows-completed');

    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(await live.textContent()).toBe('live');
    expect(tab.pageErrors).toEqual([]);
  });

  it('lists the welcome mail to the owner in the Mail outbox', async () => {
    expect(accountId, 'the Workflows test created the account').toBeTruthy();
    // The workflow sends the welcome mail before it waits for the sign-in, so it is in the sink by now;
    // this only guards against the sink's own delay, as the outbox page loads its list once on opening.
    await waitFor('the welcome mail in the sink', async () => (await mailTo(owner)).length > 0, 10_000);

    const { page } = tab;
    await nav('Mail outbox').click();
    await page.getByRole('heading', { name: 'Sent mail' }).waitFor();
    const message = page.getByTestId('mail-message').filter({ hasText: owner });
    await message.waitFor();
    expect(await message.count()).toBe(1);
    expect(await message.locator('.subject').textContent()).toBe(`Welcome to LORO CRM, ${ACCOUNT_NAME}`);

    await message.locator('summary').click();
    const body = message.locator('pre');
    await body.waitFor();
    expect(await body.textContent()).toContain(`Hello ${OWNER_NAME}`);
    await saveScreenshot(page, '06-mail-outbox');
    expect(tab.pageErrors).toEqual([]);
  });

  it('gives a browser without a session the sign-in page, not the console', async () => {
    const anon = await browser!.newSession({ baseURL: engine!.baseUrl });
    try {
      for (const path of ['/', '/#/workflows']) {
        await anon.page.goto(path);
        await anon.page.locator('#email').waitFor();
        await anon.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
        expect(await anon.page.getByTestId('user-email').count()).toBe(0);
        expect(await anon.page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
        expect(await anon.page.getByTestId('workflow-row').count()).toBe(0);
        await expect.poll(() => anon.page.title()).toBe('Sign in · LORO engine');
      }
      await saveScreenshot(anon.page, '07-anonymous-root');
      expect(anon.pageErrors).toEqual([]);
    } finally {
      await anon.context.close();
    }
  });
});
