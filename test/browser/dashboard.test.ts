/**
 * The dashboard in a real browser against the real API, worker and services: ops open it, see today's route plan
 * linking to the field page and a pending deletion whose countdown ticks in the browser; a workflow started
 * elsewhere raises its type's running count live, without a reload. The console is built from the current sources
 * into a folder of this file's own. Screenshots land in test-artifacts/screenshots/.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addUser, HttpSession, startEngine, TEST_PASSWORD, type Engine } from '../fixtures/engine.ts';
import { assertChromiumInstalled, launchBrowser, saveScreenshot, type BrowserSession, type TestBrowser } from '../fixtures/browser.ts';
import { uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

const consoleDir = mkdtempSync(join(tmpdir(), 'loro-console-dashboard-'));
let engine: Engine | undefined;
let browser: TestBrowser | undefined;
let api: HttpSession;
let opsEmail: string;
let current: BrowserSession | undefined;

beforeAll(async () => {
  assertChromiumInstalled();
  const launched = launchBrowser().then((b) => (browser = b));
  const started = import('../../cli/build-console.ts')
    .then(({ buildConsole }) => buildConsole({ outDir: consoleDir }))
    .then(() => startEngine({ consoleDir }))
    .then((e) => (engine = e));
  const results = await Promise.allSettled([launched, started]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [ops, creator] = await Promise.all([addUser(engine!, ['ops']), addUser(engine!, ['ops'])]);
  opsEmail = ops.email;
  api = await HttpSession.signIn(engine!.baseUrl, creator.email);
});

afterAll(async () => {
  await browser?.close();
  await engine?.close();
  rmSync(consoleDir, { recursive: true, force: true });
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && current) await saveScreenshot(current.page, `FAILED-${task.name}`).catch(() => {});
});

async function createAccount(name: string) {
  const res = await api.request('POST', '/api/accounts', { name, owner: { name: 'Dash Owner', email: uniqueEmail('dash-browser') } });
  expect(res.status, res.text).toBe(202);
  return res.json as { accountId: string; workflowId: string };
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

const onboardingRow = (page: Page) => page.locator('[data-testid="workflow-type-row"][data-type="accountOnboarding"]');

describe('dashboard (browser)', () => {
  it('shows today’s plan and a ticking purge countdown, and counts a new workflow live without a reload', async () => {
    await createAccount('Dash One Ltd');
    const leaving = await createAccount('Dash Leaving Ltd');
    expect((await api.request('POST', `/api/accounts/${leaving.accountId}/cancellation`)).status).toBe(202);
    await waitFor('the cancellation pending', async () => (await api.request('GET', `/api/accounts/${leaving.accountId}`)).json?.status === 'cancellation-pending');
    const region = `dash-${randomBytes(3).toString('hex')}`;
    const today = new Date().toISOString().slice(0, 10);
    const at = new Date();
    await engine!.deps.models.RoutePlan.create({
      _id: `rpl_${randomBytes(16).toString('hex')}`,
      accountId: leaving.accountId,
      region,
      date: today,
      version: 1,
      status: 'published',
      estimated: true,
      technicians: 1,
      routes: [{ technicianId: 'tec_1', stops: [{ jobId: 'job_1', arrival: at, start: at, departure: at }], distanceMeters: 10, durationSeconds: 60 }],
      unassigned: [{ jobId: 'job_2', reason: 'no-capacity' }],
    });

    const page = await signIn(opsEmail);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await onboardingRow(page).waitFor();
    const before = Number(await onboardingRow(page).getAttribute('data-running'));
    expect(before).toBeGreaterThanOrEqual(1);

    const plan = page.locator(`[data-testid="route-plan-row"][data-region="${region}"]`);
    const link = new URL((await plan.getByRole('link', { name: region }).getAttribute('href'))!.replace(/^#/, ''), 'http://x');
    expect(link.pathname).toBe('/field');
    expect(Object.fromEntries(link.searchParams)).toEqual({ account: leaving.accountId, region, date: today });
    expect(await plan.locator('td.num').allTextContents()).toEqual(['1', '1', '1']);

    // The countdown moves in the browser, between fetches.
    const countdown = page.locator(`[data-testid="pending-deletion-row"][data-account-id="${leaving.accountId}"] [data-testid="deletion-countdown"]`);
    const first = await countdown.textContent();
    expect(first).toMatch(/^(29|30) d \d\d h \d\d min \d\d s$/);
    await page.waitForFunction(
      ([selector, text]) => document.querySelector(selector!)?.textContent !== text,
      [`[data-account-id="${leaving.accountId}"] [data-testid="deletion-countdown"]`, first],
    );
    await saveScreenshot(page, 'dashboard-01-overview');

    // Live: a workflow started elsewhere shows up without a reload (the marker would not survive one).
    await page.evaluate(() => ((window as unknown as { dashboardMarker: string }).dashboardMarker = 'kept'));
    await createAccount('Dash Live Ltd');
    await page.locator(`[data-testid="workflow-type-row"][data-type="accountOnboarding"][data-running="${before + 1}"]`).waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (window as unknown as { dashboardMarker?: string }).dashboardMarker)).toBe('kept');
    expect(Number(await page.getByTestId('stat-running').textContent())).toBeGreaterThanOrEqual(before + 1);
    await saveScreenshot(page, 'dashboard-02-live-count');

    // A tablet: everything still within the width (tables scroll inside their cards).
    await page.setViewportSize({ width: 768, height: 1024 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
    await saveScreenshot(page, 'dashboard-03-tablet');
    expect(current!.pageErrors).toEqual([]);
    await current!.context.close();
  });
});
