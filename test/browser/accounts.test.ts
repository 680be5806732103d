/**
 * Accounts, cancellation, legal holds, deletion certificates and the audit log in a real browser against the real
 * API and worker: an admin opens an account created through the API, cancels it after a confirmation that says
 * what will happen (30 days' countdown, phase), places and releases a legal hold (the purge is held, then free),
 * reactivates it; the owner reactivates a second cancellation with the mailed link without signing in (a forged
 * link is refused); a second account is purged at once after a typed confirmation and its certificate is shown;
 * the audit page verifies the chain. Screenshots land in test-artifacts/screenshots/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CONSOLE_DIST } from '../../lib/paths.ts';
import { createLinkSigner } from '../../lib/signed-links.ts';
import { addUser, HttpSession, startEngine, TEST_PASSWORD, type Engine } from '../fixtures/engine.ts';
import { assertChromiumInstalled, launchBrowser, saveScreenshot, type BrowserSession, type TestBrowser } from '../fixtures/browser.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

let engine: Engine | undefined;
let browser: TestBrowser | undefined;
let tab: BrowserSession;
let api: HttpSession;
let accountId: string;
let reactivateToken: string;
const ACCOUNT_NAME = `Acme Cancel ${Math.random().toString(36).slice(2, 7)}`;
const OWNER_EMAIL = uniqueEmail('cancel-owner');
const HOLD_REFERENCE = 'LIT-2025-0173';
/** The workflow's state is polled by the page every few seconds; waits on it get room for a couple of polls. */
const STATE_WAIT = { timeout: 30_000 };

async function ensureConsoleBuilt() {
  if (existsSync(join(CONSOLE_DIST, 'index.html'))) return;
  const { buildConsole } = await import('../../cli/build-console.ts');
  await buildConsole();
}

async function createAccount(name: string, ownerEmail: string): Promise<string> {
  const res = await api.request('POST', '/api/accounts', { name, owner: { name: 'Olive Owner', email: ownerEmail } });
  expect(res.status).toBe(202);
  return res.json.accountId as string;
}

const phaseIs = (page: Page, phase: string) => page.getByTestId('cancellation-phase').filter({ hasText: new RegExp(`^${phase}$`) });

beforeAll(async () => {
  assertChromiumInstalled();
  const launched = launchBrowser().then((b) => (browser = b));
  const started = ensureConsoleBuilt()
    .then(() => startEngine())
    .then((e) => (engine = e));
  const results = await Promise.allSettled([launched, started]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const admin = await addUser(engine!, ['admin']);
  api = await HttpSession.signIn(engine!.baseUrl, admin.email);
  accountId = await createAccount(ACCOUNT_NAME, OWNER_EMAIL);
  tab = await browser!.newSession({ baseURL: engine!.baseUrl });
  await tab.page.goto('/');
  await tab.page.locator('#email').fill(admin.email);
  await tab.page.locator('#password').fill(TEST_PASSWORD);
  await tab.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await tab.page.getByTestId('user-email').waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await engine?.close();
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && tab) await saveScreenshot(tab.page, `FAILED-${task.name}`).catch(() => {});
});

describe('accounts and cancellation (browser)', () => {
  it('lists the account and opens it', async () => {
    const { page } = tab;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts', exact: true }).click();
    await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
    const row = page.locator(`[data-testid="account-row"][data-account-id="${accountId}"]`);
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toContain('active');
    // The list has no personal data to show: the owner's address is not on the page.
    expect(await page.content()).not.toContain(OWNER_EMAIL);
    await saveScreenshot(page, '20-accounts');

    await row.getByRole('link', { name: ACCOUNT_NAME }).click();
    await page.getByTestId('account-status').waitFor();
    expect(await page.getByTestId('account-name').textContent()).toBe(ACCOUNT_NAME);
    expect(await page.getByTestId('account-status').textContent()).toBe('active');
    await page.getByTestId('cancellation-none').waitFor();
    expect(await page.title()).toBe('Account · LORO engine');
    expect(await page.content()).not.toContain(OWNER_EMAIL);
    expect(tab.pageErrors).toEqual([]);
  });

  it('cancels after a confirmation that says what happens, and counts down 30 days', async () => {
    const { page } = tab;
    await page.getByTestId('cancel-account').click();
    const dialog = page.getByTestId('cancel-dialog');
    await dialog.waitFor();
    const text = (await dialog.textContent()) ?? '';
    expect(text).toContain('read-only at once');
    expect(text).toContain('After 30 days');
    expect(text).toContain('deleted permanently');
    await saveScreenshot(page, '21-account-cancel-dialog');
    await dialog.getByRole('button', { name: 'Cancel the account' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await phaseIs(page, 'grace').waitFor(STATE_WAIT);
    const countdown = page.getByTestId('cancellation-countdown');
    expect(await countdown.getAttribute('data-days')).toBe('30');
    expect(await countdown.locator('strong').textContent()).toBe('30 days remaining');
    const state = await api.request('GET', `/api/accounts/${accountId}/cancellation`);
    expect(state.json).toMatchObject({ phase: 'grace', daysRemaining: 30 });
    // The account's status is written by the workflow's first activity; the page follows it.
    await page.getByTestId('account-status').filter({ hasText: 'cancellation-pending' }).waitFor(STATE_WAIT);
    await saveScreenshot(page, '22-account-cancelled');
    expect(tab.pageErrors).toEqual([]);
  });

  it('places and releases a legal hold, which holds the purge meanwhile', async () => {
    const { page } = tab;
    await page.locator('#hold-reference').fill(HOLD_REFERENCE);
    await page.getByRole('button', { name: 'Place legal hold' }).click();
    const hold = page.getByTestId('legal-hold');
    await hold.waitFor();
    expect(await hold.getByTestId('legal-hold-reference').textContent()).toBe(HOLD_REFERENCE);
    await phaseIs(page, 'held').waitFor(STATE_WAIT);
    expect(await page.getByTestId('cancellation-holds').textContent()).toBe('1 active');
    const holds = await api.request('GET', `/api/legal-holds?accountId=${accountId}`);
    expect(holds.json.holds.map((h: { reference: string }) => h.reference)).toEqual([HOLD_REFERENCE]);
    await saveScreenshot(page, '23-account-legal-hold');

    await page.getByRole('button', { name: `Release legal hold ${HOLD_REFERENCE}` }).click();
    await page.getByTestId('legal-holds-none').waitFor();
    await phaseIs(page, 'grace').waitFor(STATE_WAIT);
    expect((await api.request('GET', `/api/legal-holds?accountId=${accountId}`)).json.holds).toEqual([]);
    const audited = await engine!.deps.models.AuditEntry.find({ action: { $in: ['legal-hold.placed', 'legal-hold.released'] } }).sort({ _id: 1 }).lean();
    expect(audited.map((a) => a.action)).toEqual(['legal-hold.placed', 'legal-hold.released']);
    expect(tab.pageErrors).toEqual([]);
  });

  it('reactivates through the console', async () => {
    const { page } = tab;
    // The owner's notice (with the reactivation link) goes out once the export is ready: keep its link for later.
    const [notice] = await waitFor('the cancellation notice', async () => {
      const m = (await mailTo(OWNER_EMAIL)).filter((x) => x.subject.includes('is cancelled'));
      return m.length ? m : undefined;
    }, 60_000);
    reactivateToken = /#\/reactivate\/([A-Za-z0-9_.-]+)/.exec(notice!.text)![1]!;

    await page.getByTestId('reactivate-account').click();
    const dialog = page.getByTestId('reactivate-dialog');
    await dialog.getByRole('button', { name: 'Reactivate', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await phaseIs(page, 'reactivated').waitFor(STATE_WAIT);
    await page.getByTestId('account-status').filter({ hasText: /^active$/ }).waitFor(STATE_WAIT);
    expect((await engine!.deps.models.Account.findById(accountId, { status: 1 }).lean())?.status).toBe('active');
    await saveScreenshot(page, '24-account-reactivated');
    expect(tab.pageErrors).toEqual([]);
  });

  it('lets the owner reactivate with the mailed link, without signing in', async () => {
    const { page } = tab;
    await page.getByTestId('cancel-account').click();
    const dialog = page.getByTestId('cancel-dialog');
    await dialog.getByRole('button', { name: 'Cancel the account' }).click();
    await phaseIs(page, 'grace').waitFor(STATE_WAIT);

    const owner = await browser!.newSession({ baseURL: engine!.baseUrl });
    try {
      const [body, signature] = reactivateToken.split('.');
      await owner.page.goto(`/#/reactivate/${body}.${signature!.slice(0, -4)}AAAA`);
      await owner.page.getByRole('button', { name: 'Reactivate my account' }).click();
      expect(await owner.page.getByTestId('reactivate-error').textContent()).toContain('This reactivation link is not valid');
      // Not signed in: no sign-in form, no console shell.
      expect(await owner.page.locator('#password').count()).toBe(0);
      expect(await owner.page.getByTestId('user-email').count()).toBe(0);

      await owner.page.goto(`/#/reactivate/${reactivateToken}`);
      await owner.page.getByRole('button', { name: 'Reactivate my account' }).click();
      await owner.page.getByTestId('reactivate-done').waitFor();
      expect(await owner.page.title()).toBe('Reactivate your account · LORO engine');
      await saveScreenshot(owner.page, '25-owner-reactivated');
      expect(owner.pageErrors).toEqual([]);
    } finally {
      await owner.context.close();
    }
    await phaseIs(page, 'reactivated').waitFor(STATE_WAIT);
    expect((await engine!.deps.models.Account.findById(accountId, { status: 1 }).lean())?.status).toBe('active');
  });

  it('purges at once after a typed confirmation and shows the deletion certificate', async () => {
    const { page } = tab;
    const name = `Gone Soon ${Math.random().toString(36).slice(2, 7)}`;
    const doomed = await createAccount(name, uniqueEmail('purge-owner'));
    expect((await api.request('POST', `/api/accounts/${doomed}/cancellation`)).status).toBe(202);
    await page.goto(`/#/accounts/${doomed}`);
    await phaseIs(page, 'grace').waitFor(STATE_WAIT);

    await page.getByTestId('purge-now').click();
    const dialog = page.getByTestId('purge-dialog');
    const confirm = dialog.getByRole('button', { name: 'Purge now' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByTestId('purge-dialog-typed').fill('something else');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByTestId('purge-dialog-typed').fill(name);
    await saveScreenshot(page, '26-account-purge-dialog');
    await confirm.click();
    await dialog.waitFor({ state: 'hidden' });

    const link = page.getByTestId('cancellation-certificate');
    await link.waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('cancellation-phase').textContent()).toBe('purged');
    await saveScreenshot(page, '27-account-purged');

    // The owner's link no longer helps: the API's 409 is shown.
    const token = await createLinkSigner(engine!.deps.keyring).sign({ purpose: 'reactivate-account', subject: doomed, expiresAt: new Date(Date.now() + 86_400_000) });
    const owner = await browser!.newSession({ baseURL: engine!.baseUrl });
    try {
      await owner.page.goto(`/#/reactivate/${token}`);
      await owner.page.getByRole('button', { name: 'Reactivate my account' }).click();
      expect(await owner.page.getByTestId('reactivate-error').textContent()).toContain('its deletion has already begun');
    } finally {
      await owner.context.close();
    }

    await link.click();
    await page.getByRole('heading', { name: 'Deletion certificate', level: 1 }).waitFor();
    const cert = (await api.request('GET', `/api/deletion-certificates?accountId=${doomed}`)).json.certificates[0];
    const deletedTotal = cert.deleted.reduce((n: number, d: { count: number }) => n + d.count, 0);
    expect(deletedTotal).toBeGreaterThan(0);
    expect(await page.getByTestId('certificate-deleted-total').textContent()).toBe(String(deletedTotal));
    const bars = page.getByTestId('certificate-chart').locator('g[data-store]');
    expect(await bars.count()).toBeGreaterThan(0);
    expect(await page.getByTestId('certificate-audit-seq').textContent()).toBe(`#${cert.audit.seq}`);
    await saveScreenshot(page, '28-deletion-certificate');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Certificates', exact: true }).click();
    await page.locator(`[data-testid="certificate-row"][data-certificate-id="${cert.id}"]`).waitFor();
    expect(tab.pageErrors).toEqual([]);
  });

  it('verifies the audit chain and offers the JSON Lines export', async () => {
    const { page } = tab;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log', exact: true }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.locator('[data-testid="audit-row"][data-action="legal-hold.placed"]').waitFor();
    await page.getByTestId('audit-verify').click();
    const result = page.getByTestId('audit-verify-result');
    await result.waitFor();
    expect(await result.getAttribute('data-ok')).toBe('true');
    expect(await result.textContent()).toContain('Chain intact');
    await saveScreenshot(page, '29-audit-verified');

    const href = await page.getByTestId('audit-export').getAttribute('href');
    expect(href).toBe('/api/audit/export');
    const exported = await api.request('GET', href!);
    expect(exported.status).toBe(200);
    expect(exported.text.trim().split('\n').length).toBeGreaterThan(1);
    expect(tab.pageErrors).toEqual([]);
  });

  it('erases one lead on request and links its deletion certificate', async () => {
    const { page } = tab;
    const leadId = `led_${Math.random().toString(16).slice(2, 14)}`;
    await engine!.deps.models.Lead.create({ _id: leadId, accountId, name: 'Ernie Erasable', email: uniqueEmail('erase-lead') });
    await page.goto(`/#/accounts/${accountId}`);
    const card = page.getByTestId('person-erasure');
    await card.getByTestId('erasure-id').fill(leadId);
    page.once('dialog', (dialog) => void dialog.accept());
    await card.getByTestId('erasure-start').click();
    await card.getByTestId('erasure-certificate').waitFor(STATE_WAIT);
    expect(await engine!.deps.models.Lead.countDocuments({ _id: leadId })).toBe(0);
    await saveScreenshot(page, '30-person-erased');
    await card.getByTestId('erasure-certificate').click();
    await page.getByText(leadId).first().waitFor();
    expect(tab.pageErrors).toEqual([]);
  });
});
