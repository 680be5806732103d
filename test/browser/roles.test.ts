/**
 * Roles in a real browser against the real API: what each role sees in the navigation and what it cannot open
 * (a "not allowed" page, and the API's 403 to the same session), the Administration page (users, API tokens whose
 * secret works against the API with its scope until revoked, processors, field errors in place, the refused
 * self-demotion of the last admin), signing in and navigating with the keyboard only, and the console at tablet
 * width. The console is built from the current sources into a folder of this file's own. Screenshots land in
 * test-artifacts/screenshots/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addUser, HttpSession, startEngine, TEST_PASSWORD, type Engine } from '../fixtures/engine.ts';
import { assertChromiumInstalled, launchBrowser, saveScreenshot, type BrowserSession, type TestBrowser } from '../fixtures/browser.ts';
import { uniqueEmail } from '../fixtures/mail.ts';

let engine: Engine | undefined;
let browser: TestBrowser | undefined;
let consoleDir: string | undefined;
let current: BrowserSession | undefined;
const emails = { ops: '', engineer: '', admin: '' };

// The navigation each role gets, in order (console/src/lib/router.svelte.ts's NAV filtered by role).
const OPS_NAV = ['Dashboard', 'Workflows', 'Mail outbox', 'Data exports', 'Accounts', 'Leads', 'Sequences', 'Field service', 'Certificates', 'Your profile'];
const ENGINEER_NAV = [...OPS_NAV.slice(0, -1), 'Audit log', 'Your profile'];
const ADMIN_NAV = [...OPS_NAV.slice(0, -1), 'Audit log', 'Administration', 'Your profile'];

beforeAll(async () => {
  assertChromiumInstalled();
  consoleDir = await mkdtemp(join(tmpdir(), 'loro-console-roles-'));
  const launched = launchBrowser().then((b) => (browser = b));
  const started = import('../../cli/build-console.ts')
    .then(({ buildConsole }) => buildConsole({ outDir: consoleDir }))
    .then(() => startEngine({ consoleDir }))
    .then((e) => (engine = e));
  const results = await Promise.allSettled([launched, started]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [ops, engineer, admin] = await Promise.all([addUser(engine!, ['ops']), addUser(engine!, ['engineer']), addUser(engine!, ['admin'])]);
  Object.assign(emails, { ops: ops.email, engineer: engineer.email, admin: admin.email });
});

afterAll(async () => {
  await browser?.close();
  await engine?.close();
  if (consoleDir) await rm(consoleDir, { recursive: true, force: true });
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && current) await saveScreenshot(current.page, `FAILED-${task.name}`).catch(() => {});
  await current?.context.close();
  current = undefined;
});

async function signIn(email: string, viewport?: { width: number; height: number }): Promise<Page> {
  current = await browser!.newSession({ baseURL: engine!.baseUrl });
  const { page } = current;
  if (viewport) await page.setViewportSize(viewport);
  await page.goto('/');
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('user-email').waitFor();
  return page;
}

const mainNav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
const navLink = (page: Page, label: string) => mainNav(page).getByRole('link', { name: label, exact: true });
const navLabels = async (page: Page) => (await mainNav(page).getByRole('link').allTextContents()).map((t) => t.trim());
const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true });

/** In-app navigation, as following a link would (no reload). */
async function go(page: Page, hash: string) {
  await page.evaluate((h) => void (window.location.hash = h), hash);
}

/** A call through the page's own fetch: the browser's session cookie, nothing added. */
async function pageFetch(page: Page, path: string) {
  return page.evaluate(async (p) => {
    const res = await fetch(p, { credentials: 'include', headers: { accept: 'application/json' } });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '' };
  }, path);
}

async function expectNotAllowed(page: Page, hash: string, pageName: string) {
  await go(page, hash);
  const state = page.getByTestId('not-allowed');
  await state.waitFor();
  await heading(page, 'Not allowed').waitFor();
  expect(await state.textContent()).toContain(pageName);
  expect(await page.getByRole('alert').count(), 'no failed load behind the not-allowed page').toBe(0);
}

describe('roles (browser)', () => {
  it('ops see the business pages only: no Audit log or Administration, a "not allowed" page, and 403 from the API', async () => {
    const page = await signIn(emails.ops);
    expect(await navLabels(page)).toEqual(OPS_NAV);
    await saveScreenshot(page, 'roles-01-ops-nav');

    await expectNotAllowed(page, '#/audit', 'Audit log');
    expect(await page.getByTestId('audit-table').count()).toBe(0);
    await saveScreenshot(page, 'roles-02-ops-audit-not-allowed');
    await expectNotAllowed(page, '#/admin', 'Administration');
    expect(await page.getByTestId('users-table').count()).toBe(0);

    // The console only hides; the API is what refuses — to this very session.
    expect(await pageFetch(page, '/api/auth/me')).toMatchObject({ status: 200 });
    for (const path of ['/api/users', '/api/tokens', '/api/audit']) {
      const res = await pageFetch(page, path);
      expect(res.status, path).toBe(403);
      expect(res.contentType, path).toContain('application/problem+json');
    }
    expect(current!.pageErrors).toEqual([]);
  });

  it('engineers also see workflow internals (the Audit log) but not Administration', async () => {
    const page = await signIn(emails.engineer);
    expect(await navLabels(page)).toEqual(ENGINEER_NAV);

    await navLink(page, 'Audit log').click();
    await heading(page, 'Audit log').waitFor();
    await page.getByTestId('audit-table').or(page.getByText('The audit log is empty')).first().waitFor();
    expect(await page.getByTestId('not-allowed').count()).toBe(0);
    await saveScreenshot(page, 'roles-03-engineer-audit');

    await expectNotAllowed(page, '#/admin', 'Administration');
    expect((await pageFetch(page, '/api/audit')).status).toBe(200);
    expect((await pageFetch(page, '/api/users')).status).toBe(403);
    expect(current!.pageErrors).toEqual([]);
  });

  it('admins create a user (field errors in place first) and change its roles; removing their own admin role asks and the API refuses the last admin', async () => {
    const page = await signIn(emails.admin);
    expect(await navLabels(page)).toEqual(ADMIN_NAV);
    await navLink(page, 'Administration').click();
    await heading(page, 'Administration').waitFor();
    const adminRow = page.locator(`[data-testid="user-row"][data-email="${emails.admin}"]`);
    await adminRow.waitFor();

    // Invalid input: the API's 400 names each field, shown next to it.
    const form = page.getByTestId('user-form');
    await form.locator('#new-user-email').fill('not an address');
    await form.locator('#new-user-password').fill('short');
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.getByTestId('user-field-error-password').waitFor();
    for (const field of ['name', 'email', 'password']) {
      await expect.poll(() => form.locator(`#new-user-${field}`).getAttribute('aria-invalid'), { message: field }).toBe('true');
    }
    expect(await page.getByTestId('user-form-error').textContent()).toBe('Please correct the highlighted fields.');
    await saveScreenshot(page, 'roles-04-admin-user-field-errors');

    const email = uniqueEmail('roles-new-user');
    await form.locator('#new-user-name').fill('Nina New');
    await form.locator('#new-user-email').fill(email);
    await form.locator('#new-user-password').fill(TEST_PASSWORD);
    await form.getByTestId('new-user-role-ops').uncheck();
    await form.getByTestId('new-user-role-engineer').check();
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.getByTestId('user-created').waitFor();
    const row = page.locator(`[data-testid="user-row"][data-email="${email}"]`);
    await row.waitFor();
    expect(await row.getByTestId('user-roles').textContent()).toBe('engineer');
    expect(await page.getByTestId('user-field-error-password').count()).toBe(0);
    // The new user exists on the server and signs in with the roles given.
    const nina = await HttpSession.signIn(engine!.baseUrl, email);
    expect((await nina.request('GET', '/api/auth/me')).json.user.roles).toEqual(['engineer']);

    await row.getByRole('button', { name: /^Change roles/ }).click();
    await row.getByTestId('roles-edit').waitFor();
    await row.locator('input[value="ops"]').check();
    await row.getByTestId('roles-save').click();
    await row.getByTestId('user-roles').filter({ hasText: /^ops, engineer$|^engineer, ops$/ }).waitFor();
    expect([...(await nina.request('GET', '/api/auth/me')).json.user.roles].sort()).toEqual(['engineer', 'ops']);

    // Taking away your own admin role asks first; as the only admin, the API refuses and the dialog says why.
    await adminRow.getByRole('button', { name: /^Change roles/ }).click();
    await adminRow.locator('input[value="admin"]').uncheck();
    await adminRow.locator('input[value="ops"]').check();
    await adminRow.getByTestId('roles-save').click();
    const dialog = page.getByTestId('self-demote-dialog');
    await dialog.getByRole('heading', { name: 'Remove your own admin role?' }).waitFor();
    await dialog.getByRole('button', { name: 'Remove my admin role' }).click();
    const refused = page.getByTestId('self-demote-dialog-error');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('last enabled admin');
    await saveScreenshot(page, 'roles-05-admin-self-demote-refused');
    await dialog.getByRole('button', { name: 'Keep as is' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await adminRow.getByTestId('user-roles').textContent()).toBe('admin');
    expect(await navLabels(page)).toEqual(ADMIN_NAV);
    expect((await pageFetch(page, '/api/users')).status).toBe(200);
    expect(current!.pageErrors).toEqual([]);
  });

  it('admins create an API token (its secret shown once, copyable) that works with its scope only, and a revoked one gets 401', async () => {
    const page = await signIn(emails.admin);
    await current!.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: engine!.baseUrl });
    await navLink(page, 'Administration').click();
    await page.getByRole('tab', { name: 'API tokens' }).click();
    const form = page.getByTestId('token-form');
    await form.waitFor();

    // No scope: the API's 400 shows next to the scopes picker.
    await form.locator('#new-token-name').fill('CRM sync (browser test)');
    await form.getByRole('button', { name: 'Create token' }).click();
    await page.getByTestId('token-field-error-scopes').waitFor();

    await form.getByTestId('token-scope-workflows:read').check();
    await form.getByRole('button', { name: 'Create token' }).click();
    const secretField = page.getByTestId('token-secret');
    await secretField.waitFor();
    const token = await secretField.inputValue();
    expect(token).toMatch(/^\S{40,}$/);
    await page.getByTestId('token-copy').click();
    await page.getByTestId('token-copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await saveScreenshot(page, 'roles-06-admin-token-secret');

    const row = page.locator('[data-testid="token-row"]').filter({ hasText: 'CRM sync (browser test)' });
    await row.waitFor();
    const tokenId = await row.getAttribute('data-token-id');
    expect(token).toContain(tokenId!);
    expect(await row.getAttribute('data-state')).toBe('active');

    const caller = new HttpSession(engine!.baseUrl, { authorization: `Bearer ${token}` });
    expect((await caller.request('GET', '/api/workflows')).status).toBe(200);
    expect((await caller.request('GET', '/api/accounts')).status, 'a scope it lacks').toBe(403);
    expect((await caller.request('GET', '/api/users')).status, 'admin routes take no token').toBe(403);

    // Hidden once acknowledged, and never shown again (not even after a reload).
    await page.getByTestId('token-secret-done').click();
    await secretField.waitFor({ state: 'detached' });
    expect(await page.locator('body').innerText()).not.toContain(token);
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(token);

    await row.getByTestId('token-revoke').click();
    const dialog = page.getByTestId('revoke-token-dialog');
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await page.locator(`[data-testid="token-row"][data-token-id="${tokenId}"][data-state="revoked"]`).waitFor();
    expect(await row.getByTestId('token-revoke').count()).toBe(0);
    expect((await caller.request('GET', '/api/workflows')).status).toBe(401);
    await saveScreenshot(page, 'roles-07-admin-token-revoked');
    expect(current!.pageErrors).toEqual([]);
  });

  it('admins add a processor to the register, with the API’s field errors shown in place first', async () => {
    const page = await signIn(emails.admin);
    await go(page, '#/admin?tab=processors');
    const form = page.getByTestId('processor-form');
    await form.waitFor();
    await page.getByTestId('processors-table').or(page.getByText('No processors registered')).first().waitFor();

    await form.getByRole('button', { name: 'Add processor' }).click();
    for (const field of ['name', 'purpose', 'dataCategories', 'location']) {
      await page.getByTestId(`processor-field-error-${field}`).waitFor();
    }
    const name = `Mail relay ${Date.now()}`;
    await form.locator('#processor-name').fill(name);
    await form.locator('#processor-purpose').fill('Delivers service mail');
    await form.locator('#processor-dataCategories').fill('email address, name');
    await form.locator('#processor-location').fill('EU (Frankfurt)');
    await form.getByRole('button', { name: 'Add processor' }).click();
    const row = page.locator('[data-testid="processor-row"]').filter({ hasText: name });
    await row.waitFor();
    expect(await row.locator('td').nth(2).textContent()).toBe('email address, name');
    expect(await page.getByTestId('processor-field-error-name').count()).toBe(0);
    await saveScreenshot(page, 'roles-08-admin-processors');
    expect(current!.pageErrors).toEqual([]);
  });

  it('signs in and opens a page with the keyboard only; the focus lands on the page heading', async () => {
    current = await browser!.newSession({ baseURL: engine!.baseUrl });
    const { page } = current;
    await page.goto('/');
    await page.locator('#email').waitFor();
    const activeId = () => page.evaluate(() => document.activeElement?.id ?? '');
    const tabTo = async (isTarget: () => Promise<boolean>, what: string, max = 40) => {
      for (let i = 0; i < max; i++) {
        if (await isTarget()) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`${max} presses of Tab did not reach ${what}`);
    };

    await tabTo(async () => (await activeId()) === 'email', 'the email field');
    await page.keyboard.type(emails.engineer);
    await tabTo(async () => (await activeId()) === 'password', 'the password field');
    await page.keyboard.type(TEST_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByTestId('user-email').waitFor();

    const onLink = (label: string) =>
      page.evaluate((l) => {
        const a = document.activeElement;
        return !!a && a.tagName === 'A' && !!a.closest('nav[aria-label="Main"]') && a.textContent?.trim() === l;
      }, label);
    await tabTo(() => onLink('Audit log'), 'the Audit log link');
    await page.keyboard.press('Enter');
    await heading(page, 'Audit log').waitFor();
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Audit log');
    expect(page.url()).toMatch(/#\/audit$/);
    await saveScreenshot(page, 'roles-09-keyboard-audit');
    expect(current.pageErrors).toEqual([]);
  });

  it('at tablet width (768×1024) the navigation is usable and no page overflows horizontally', async () => {
    const page = await signIn(emails.admin, { width: 768, height: 1024 });
    const nav = mainNav(page);
    const navBox = (await nav.boundingBox())!;
    expect(navBox.x).toBeGreaterThanOrEqual(0);
    expect(navBox.x + navBox.width).toBeLessThanOrEqual(768);
    // Every entry can be brought into view inside the viewport (the navigation scrolls, the page does not).
    for (const label of ADMIN_NAV) {
      const link = navLink(page, label);
      await link.scrollIntoViewIfNeeded();
      const box = (await link.boundingBox())!;
      expect(box.x, label).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, label).toBeLessThanOrEqual(768);
    }

    // A closed execution with a long business key, as a busy namespace lists them: its row is wider than a tablet,
    // so the table must scroll inside its own box, everything in it included.
    const wide = await engine!.deps.temporal.workflow.start('accountOnboarding', {
      taskQueue: engine!.config.temporal.taskQueue,
      workflowId: `tablet-width-${'a-long-business-key-'.repeat(4)}${Date.now()}`,
      args: [{ accountId: `acc_${'0'.repeat(32)}` }],
    });
    await expect(wide.result()).rejects.toThrow(); // the account does not exist: it fails at once, closed

    const pages = [
      { label: 'Dashboard', heading: 'Dashboard' },
      { label: 'Workflows', heading: 'Workflow executions' },
      { label: 'Leads', heading: 'Leads' },
      { label: 'Administration', heading: 'Administration' },
    ];
    for (const p of pages) {
      await navLink(page, p.label).click();
      await heading(page, p.heading).waitFor();
      // Measured once the page's first load has settled (no loading placeholder left in the main area).
      await page.waitForFunction(() => !document.querySelector('main .loading'));
      const { scrollWidth, innerWidth, culprits } = await page.evaluate(() => {
        // The elements sticking out on the right whose children do not, farthest first: what a failure should name.
        // Those a scrolling or clipping box holds cannot widen the page, unless absolutely positioned (they escape a
        // box that is not their containing block): they are named last.
        const right = (el: Element) => el.getBoundingClientRect().right;
        const held = (el: Element) => {
          if (['absolute', 'fixed'].includes(getComputedStyle(el).position)) return false;
          for (let a = el.parentElement; a; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true;
          return false;
        };
        const out = Array.from(document.querySelectorAll('body *')).filter((el) => right(el) > window.innerWidth + 0.5);
        const leaves = out
          .filter((el) => !out.some((o) => o !== el && el.contains(o)))
          .sort((a, b) => Number(held(a)) - Number(held(b)) || right(b) - right(a));
        return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, culprits: leaves.slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${Array.from(el.classList).join('.')} (${Math.round(right(el))} px)`) };
      });
      expect(scrollWidth, `${p.label} overflows horizontally: ${culprits.join(', ')}`).toBeLessThanOrEqual(innerWidth);
      await saveScreenshot(page, `roles-10-tablet-${p.label.toLowerCase()}`);
    }
    expect(current!.pageErrors).toEqual([]);
  });
});
