/**
 * The Field service page in a real browser against the real API, worker and Temporal: an account with two
 * technicians (one skill each) and six jobs (one needing a skill nobody has) is planned on demand; the page draws
 * one route per technician with its stops, the unassigned job with the solver's reason, the estimated-matrix
 * badge; an ops user approves the draft (confirmed) and sees it published; a GPS position sent through the API
 * (with location consent, inside the shift) appears as a live dot. An engineer sees the plan without the actions.
 * Screenshots land in test-artifacts/screenshots/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIST } from '../../lib/paths.ts';
import { addUser, HttpSession, startEngine, TEST_PASSWORD, type Engine } from '../fixtures/engine.ts';
import { uniqueEmail } from '../fixtures/mail.ts';
import { assertChromiumInstalled, launchBrowser, saveScreenshot, type BrowserSession, type TestBrowser } from '../fixtures/browser.ts';
import type { Page } from 'playwright-core';

let engine: Engine | undefined;
let browser: TestBrowser | undefined;
let tab: BrowserSession;
let ops: HttpSession;
let opsEmail: string;
let accountId: string;
const technicians: { id: string; skill: string; jobs: number }[] = [];
let craneJobId: string;
/** Every URL the page asked for: without MAP_TILE_URL the map asks no one but the engine. */
const requested: string[] = [];
const region = `berlin-${randomBytes(3).toString('hex')}`;
// Two days ahead: the approval cutoff (07:30 in the region's zone) is still to come, so the draft waits for us.
const date = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
/** Planning (a 10 s search), approval and publication run in the worker: give the page time to see them. */
const PLAN_WAIT = { timeout: 60_000 };

async function ensureConsoleBuilt() {
  if (existsSync(join(CONSOLE_DIST, 'index.html'))) return;
  const { buildConsole } = await import('../../cli/build-console.ts');
  await buildConsole();
}

async function signIn(page: Page, email: string) {
  await page.goto('/');
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('user-email').waitFor();
}

async function openDay(page: Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Field service', exact: true }).click();
  await page.getByRole('heading', { name: 'Field service', level: 1 }).waitFor();
  await page.getByTestId('field-account').selectOption(accountId);
  await expect.poll(() => page.getByTestId('field-region').inputValue()).toBe(region);
  await page.getByTestId('field-date').fill(date);
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
  opsEmail = (await addUser(engine!, ['ops'])).email;
  ops = await HttpSession.signIn(engine!.baseUrl, opsEmail);

  const account = await ops.request('POST', '/api/accounts', { name: `Field Browser ${region}`, owner: { name: 'Fiona Field', email: uniqueEmail('field-owner') } });
  expect(account.status, account.text).toBe(202);
  accountId = account.json.accountId;
  for (const [i, skill] of ['gas', 'electric'].entries()) {
    const r = await ops.request('POST', `/api/accounts/${accountId}/technicians`, {
      name: `Tech ${skill}`,
      region,
      skills: [skill],
      // All day, every day, in UTC: the live position sent now is inside the shift.
      shift: { start: '00:00', end: '23:59', timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7] },
      startLocation: { lat: 52.52 + i / 50, lng: 13.4 - i / 50 },
    });
    expect(r.status, r.text).toBe(201);
    technicians.push({ id: r.json.id, skill, jobs: skill === 'gas' ? 3 : 2 });
  }
  for (const t of technicians) {
    for (let k = 0; k < t.jobs; k++) {
      const r = await ops.request('POST', `/api/accounts/${accountId}/jobs`, {
        region,
        date,
        customer: { name: `${t.skill} customer ${k + 1}` },
        location: { lat: 52.48 + k / 40 + (t.skill === 'gas' ? 0 : 0.01), lng: 13.35 + k / 30 },
        serviceMinutes: 45,
        requiredSkills: [t.skill],
      });
      expect(r.status, r.text).toBe(201);
    }
  }
  const crane = await ops.request('POST', `/api/accounts/${accountId}/jobs`, {
    region,
    date,
    customer: { name: 'Crane customer' },
    location: { lat: 52.55, lng: 13.45 },
    serviceMinutes: 60,
    requiredSkills: ['crane'],
  });
  expect(crane.status, crane.text).toBe(201);
  craneJobId = crane.json.id;

  tab = await browser!.newSession({ baseURL: engine!.baseUrl, timeoutMs: 20_000 });
  tab.page.on('request', (req) => requested.push(req.url()));
});

afterAll(async () => {
  await browser?.close();
  await engine?.close();
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && tab) await saveScreenshot(tab.page, `FAILED-${task.name}`).catch(() => {});
});

describe('field service page (browser)', () => {
  it('says there is no plan yet, then shows the plan made on demand: routes, stops, the unassigned job and why', async () => {
    const { page } = tab;
    await signIn(page, opsEmail);
    await openDay(page);
    await page.getByTestId('field-empty').getByText('No plan for this day yet').waitFor();
    expect(await page.getByTestId('field-map').count()).toBe(0);

    await page.getByTestId('field-plan-now').click();
    await page.getByTestId('field-map').waitFor(PLAN_WAIT);
    await page.getByTestId('plan-phase').filter({ hasText: 'draft · awaiting approval' }).waitFor(PLAN_WAIT);
    expect(await page.getByTestId('plan-status').textContent()).toBe('draft');
    expect(await page.getByTestId('plan-version').textContent()).toBe('1');
    // No OSRM in the tests: durations are great-circle estimates, and the page says so.
    await page.getByTestId('plan-estimated').waitFor();

    const map = page.getByTestId('field-map');
    expect(await map.getAttribute('data-tiles')).toBe('off');
    expect(await map.getByTestId('map-route').count()).toBe(technicians.length);
    for (const t of technicians) {
      expect(await map.locator(`[data-testid="map-route"][data-technician-id="${t.id}"]`).count()).toBe(1);
      expect(await map.locator(`[data-testid="map-stop"][data-technician-id="${t.id}"]`).count()).toBe(t.jobs);
      expect(await page.locator(`[data-testid="timeline-row"][data-technician-id="${t.id}"] [data-kind="service"]`).count()).toBe(t.jobs);
    }
    expect(await map.getByTestId('map-depot').count()).toBe(technicians.length);
    const hollow = map.getByTestId('map-unassigned');
    expect(await hollow.count()).toBe(1);
    expect(await hollow.getAttribute('data-job-id')).toBe(craneJobId);

    const row = page.getByTestId('unassigned-row');
    expect(await row.count()).toBe(1);
    expect(await row.getAttribute('data-job-id')).toBe(craneJobId);
    expect(await row.getByTestId('unassigned-reason').getAttribute('data-reason')).toBe('skills');
    expect(await row.textContent()).toContain('No technician has all the required skills');
    expect(await row.textContent()).toContain('Crane customer');

    // Keyboard: the stops are focusable and say whose stop, which one, which job and when.
    const first = map.locator(`[data-testid="map-stop"][data-technician-id="${technicians[0]!.id}"]`).first();
    await first.focus();
    expect(await first.getAttribute('aria-label')).toMatch(/^Tech gas, stop 1: gas customer \d, ETA \d{2}:\d{2}$/);
    expect(await page.getByTestId('map-selected').textContent()).toContain('Tech gas, stop 1');
    await saveScreenshot(page, 'field-draft');
    expect(tab.pageErrors).toEqual([]);
  });

  it('approves the draft after a confirmation, and shows it published', async () => {
    const { page } = tab;
    await page.getByTestId('plan-approve').click();
    const dialog = page.getByTestId('approve-dialog');
    await dialog.getByRole('button', { name: 'Approve and publish' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('plan-phase').filter({ hasText: /^published$/ }).waitFor(PLAN_WAIT);
    await page.getByTestId('plan-status').filter({ hasText: /^published$/ }).waitFor(PLAN_WAIT);
    expect(await page.getByTestId('plan-approve').count()).toBe(0);
    const state = await ops.request('GET', `/api/accounts/${accountId}/route-plans/${region}/${date}`);
    expect(state.json.phase).toBe('published');
    expect(state.json.approvedBy).toBeTruthy();
    expect(tab.pageErrors).toEqual([]);
  });

  it('draws a technician’s live position sent through the API', async () => {
    const { page } = tab;
    const tech = technicians[0]!;
    await page.getByTestId('live-indicator').and(page.locator('[data-status="live"]')).waitFor();
    expect(await page.getByTestId('map-live').count()).toBe(0);
    const consent = await ops.request('POST', '/api/consents', { accountId, subjectType: 'technician', subjectId: tech.id, category: 'location', granted: true, policyVersion: '1', source: 'mobile-app' });
    expect(consent.status, consent.text).toBe(201);
    const sent = await ops.request('POST', `/api/technicians/${tech.id}/positions`, { positions: [{ at: new Date(Date.now() - 5_000).toISOString(), lat: 52.51, lng: 13.39 }] });
    expect(sent.status, sent.text).toBe(202);
    expect(sent.json.accepted).toBe(1);

    const dot = page.locator(`[data-testid="map-live"][data-technician-id="${tech.id}"]`);
    await dot.waitFor();
    expect(await dot.getAttribute('aria-label')).toMatch(/^Tech gas here at \d{2}:\d{2}$/);
    expect(await page.getByTestId('map-live').count()).toBe(1);
    await saveScreenshot(page, 'field-published-live');
    await page.setViewportSize({ width: 768, height: 1024 });
    await saveScreenshot(page, 'field-published-live-tablet');
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => new URL(url).origin !== engine!.baseUrl)).toEqual([]);
    expect(tab.pageErrors).toEqual([]);
  });

  it('shows an engineer the plan without the approve and re-plan actions', async () => {
    const engineer = await browser!.newSession({ baseURL: engine!.baseUrl, timeoutMs: 20_000 });
    try {
      await signIn(engineer.page, (await addUser(engine!, ['engineer'])).email);
      await openDay(engineer.page);
      await engineer.page.getByTestId('plan-phase').filter({ hasText: /^published$/ }).waitFor(PLAN_WAIT);
      expect(await engineer.page.getByTestId('field-map').getByTestId('map-route').count()).toBe(technicians.length);
      expect(await engineer.page.getByTestId('plan-replan').count()).toBe(0);
      expect(await engineer.page.getByTestId('plan-approve').count()).toBe(0);
      expect(engineer.pageErrors).toEqual([]);
    } finally {
      await engineer.context.close();
    }
  });
});
