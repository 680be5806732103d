/**
 * The Leads page in a real browser against the real API: an ops user opens an account's leads, sees the API's
 * field errors next to the create form's fields, creates a lead (listed with its name and address), imports a
 * small CSV file and sees the report (imported count and the refused rows by line), and filters by status.
 * Screenshots land in test-artifacts/screenshots/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIST } from '../../lib/paths.ts';
import { newId } from '../../models/ids.ts';
import { addUser, startEngine, TEST_PASSWORD, type Engine } from '../fixtures/engine.ts';
import { assertChromiumInstalled, launchBrowser, saveScreenshot, type BrowserSession, type TestBrowser } from '../fixtures/browser.ts';

let engine: Engine | undefined;
let browser: TestBrowser | undefined;
let tab: BrowserSession;
let user: { email: string };
const accountId = newId('acc');
const domain = `${accountId.slice(4, 12)}.example`;

async function ensureConsoleBuilt() {
  if (existsSync(join(CONSOLE_DIST, 'index.html'))) return;
  const { buildConsole } = await import('../../cli/build-console.ts');
  await buildConsole();
}

beforeAll(async () => {
  assertChromiumInstalled();
  const launched = launchBrowser().then((b) => (browser = b));
  const started = ensureConsoleBuilt()
    .then(() => startEngine({ worker: false }))
    .then((e) => (engine = e));
  const results = await Promise.allSettled([launched, started]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  user = await addUser(engine!, ['ops']);
  await engine!.deps.models.Account.create({ _id: accountId, name: 'Browser Leads Ltd', owner: { name: 'Bea Owner', email: `owner@${domain}` } });
  tab = await browser!.newSession({ baseURL: engine!.baseUrl });
});

afterAll(async () => {
  await browser?.close();
  await engine?.close();
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && tab) await saveScreenshot(tab.page, `FAILED-${task.name}`).catch(() => {});
});

describe('leads page (browser)', () => {
  it('creates a lead, showing the API’s field errors in place first', async () => {
    const { page } = tab;
    await page.goto('/');
    await page.locator('#email').fill(user.email);
    await page.locator('#password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'Leads' }).click();
    await page.getByTestId('leads-account-input').fill(accountId);
    await page.getByTestId('leads-account-open').click();
    await page.getByText('No leads yet').waitFor();

    await page.getByTestId('lead-input-email').fill('not-an-address');
    await page.getByTestId('lead-input-timeZone').fill('Mars/Olympus');
    await page.getByTestId('lead-create').click();
    await expect.poll(() => page.getByTestId('lead-field-error-name').textContent()).toContain("must have required property 'name'");
    expect(await page.getByTestId('lead-field-error-email').textContent()).toContain('must match format "email"');
    expect(await page.getByTestId('lead-field-error-timeZone').textContent()).toContain('iana-time-zone');
    expect(await page.locator('#lead-email').getAttribute('aria-invalid')).toBe('true');
    await saveScreenshot(page, 'leads-create-errors');

    await page.getByTestId('lead-input-name').fill('Yuki Browser');
    await page.getByTestId('lead-input-email').fill(`yuki@${domain}`);
    await page.getByTestId('lead-input-timeZone').fill('Asia/Tokyo');
    await page.getByTestId('lead-create').click();
    await page.getByTestId('lead-created').waitFor();
    expect(await page.getByTestId('lead-field-error-email').count()).toBe(0);
    const row = page.getByTestId('lead-row');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getByTestId('lead-name').textContent()).toBe('Yuki Browser');
    expect(await row.getByTestId('lead-email').textContent()).toBe(`yuki@${domain}`);

    // The same address again: refused (not merged), the existing lead named next to the email field.
    await page.getByTestId('lead-input-name').fill('Yuki Again');
    await page.getByTestId('lead-input-email').fill(`YUKI@${domain}`);
    await page.getByTestId('lead-create').click();
    await expect.poll(() => page.getByTestId('lead-form-error').textContent()).toContain('refused, not merged');
    expect(await page.getByTestId('lead-field-error-email').textContent()).toMatch(/belongs to lead led_[0-9a-f]{32}/);
  });

  it('imports a small CSV file and shows the report', async () => {
    const { page } = tab;
    const csv = ['name,email,timeZone', `Ada Import,ada@${domain},Europe/Paris`, `,nameless@${domain},UTC`, `Yuki Dup,yuki@${domain},UTC`, `Ben Import,ben@${domain},America/New_York`].join('\n');
    await page.getByTestId('lead-import-file').setInputFiles({ name: 'leads.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByTestId('lead-import-submit').click();
    await page.getByTestId('lead-import-report').waitFor();
    expect(await page.getByTestId('lead-import-imported').textContent()).toBe('2');
    const refused = page.getByTestId('lead-import-rejected-row');
    expect(await refused.count()).toBe(2);
    expect(await refused.nth(0).getAttribute('data-line')).toBe('3');
    expect(await refused.nth(0).textContent()).toContain("name: must have required property 'name'");
    expect(await refused.nth(1).getAttribute('data-line')).toBe('4');
    expect(await refused.nth(1).textContent()).toMatch(/email: belongs to lead led_[0-9a-f]{32} already/);
    await expect.poll(() => page.getByTestId('lead-row').count()).toBe(3);
    const names = await page.getByTestId('lead-name').allTextContents();
    expect(names.sort()).toEqual(['Ada Import', 'Ben Import', 'Yuki Browser']);
    await saveScreenshot(page, 'leads-import-report');

    await page.getByTestId('leads-status-filter').selectOption('nurturing');
    await page.getByText('No nurturing leads').waitFor();
    await page.getByTestId('leads-status-filter').selectOption('new');
    await expect.poll(() => page.getByTestId('lead-row').count()).toBe(3);
    expect(tab.pageErrors).toEqual([]);
  });
});
