/**
 * The Profile page in a real browser against the real API and worker: the signed-in user sees their data, a bad
 * address comes back as a field error from the API's problem+json, a correction is saved (top bar updated, kept
 * across a reload, audited by field name, the old address alerted), and the password is changed with the
 * current one. Screenshots land in test-artifacts/screenshots/.
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
let user: { id: string; email: string; name: string };
const newEmail = uniqueEmail('profile-new');
const NEW_NAME = 'Petra Profile-Edited';
const NEW_PASSWORD = 'a fresh browser password 789';

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
  user = await addUser(engine!, ['ops'], uniqueEmail('profile-old'));
  tab = await browser!.newSession({ baseURL: engine!.baseUrl });
});

afterAll(async () => {
  await browser?.close();
  await engine?.close();
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && tab) await saveScreenshot(tab.page, `FAILED-${task.name}`).catch(() => {});
});

describe('profile page (browser)', () => {
  it('shows the signed-in user’s own data', async () => {
    const { page } = tab;
    await page.goto('/');
    await page.locator('#email').fill(user.email);
    await page.locator('#password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('user-email').waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Your profile', exact: true }).click();
    await page.getByRole('heading', { name: 'Your profile', level: 1 }).waitFor();
    await page.getByTestId('profile-form').waitFor();
    expect(await page.locator('#profile-name').inputValue()).toBe(user.name);
    expect(await page.locator('#profile-email').inputValue()).toBe(user.email);
    expect(await page.getByTestId('profile-roles').locator('li').allTextContents()).toEqual(['ops']);
    expect(await page.title()).toBe('Your profile · LORO engine');
    await saveScreenshot(page, '10-profile');
    expect(tab.pageErrors).toEqual([]);
  });

  it('shows the API’s field error for a bad address, then saves a correction', async () => {
    const { page } = tab;
    await page.locator('#profile-email').fill('not-an-address');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByTestId('profile-error').waitFor();
    expect(await page.getByTestId('profile-error').textContent()).toBe('Please correct the highlighted fields.');
    expect(await page.locator('#profile-email').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#profile-email-error').textContent()).toContain('email');
    await saveScreenshot(page, '11-profile-bad-email');

    await page.locator('#profile-name').fill(NEW_NAME);
    await page.locator('#profile-email').fill(newEmail);
    await page.getByRole('button', { name: 'Save changes' }).click();
    const saved = page.getByTestId('profile-saved');
    await saved.waitFor();
    expect(await saved.textContent()).toBe('Saved. A notice about the change went to your previous address.');
    expect(await page.getByTestId('profile-error').count()).toBe(0);
    // The top bar follows at once; a reload reads the stored correction back.
    expect((await page.getByTestId('user-email').textContent())?.trim()).toBe(newEmail);
    await saveScreenshot(page, '12-profile-saved');
    await page.reload();
    await page.getByTestId('profile-form').waitFor();
    expect(await page.locator('#profile-name').inputValue()).toBe(NEW_NAME);
    expect(await page.locator('#profile-email').inputValue()).toBe(newEmail);

    // Audited by field name only; the old address got the security alert, the new one nothing.
    const audit = await engine!.deps.models.AuditEntry.find({ 'target.id': user.id, action: 'profile.corrected' }).lean();
    expect(audit.map((a) => a.details)).toEqual([{ fields: ['name', 'email'] }]);
    const [alert] = await waitFor('the alert to the old address', async () => {
      const m = await mailTo(user.email);
      return m.length ? m : undefined;
    });
    expect(alert!.subject).toBe('The email address of your LORO engine account was changed');
    expect(alert!.text).toContain(`Hello ${NEW_NAME}`);
    expect(await mailTo(newEmail)).toEqual([]);
    expect(tab.pageErrors).toEqual([]);
  });

  it('changes the password only with the current one', async () => {
    const { page } = tab;
    await page.locator('#current-password').fill('not my password');
    await page.locator('#new-password').fill(NEW_PASSWORD);
    await page.locator('#confirm-password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByTestId('password-error').waitFor();
    expect(await page.locator('#current-password-error').textContent()).toBe('is not your current password');
    expect(await page.locator('#current-password').getAttribute('aria-invalid')).toBe('true');

    await page.locator('#current-password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByTestId('password-saved').waitFor();
    expect(await page.getByTestId('password-error').count()).toBe(0);
    expect(await page.locator('#current-password').inputValue()).toBe('');
    await saveScreenshot(page, '13-profile-password-changed');

    await HttpSession.signIn(engine!.baseUrl, newEmail, NEW_PASSWORD);
    const [alert] = await waitFor('the password alert', async () => {
      const m = (await mailTo(newEmail)).filter((x) => x.subject === 'Your LORO engine password was changed');
      return m.length ? m : undefined;
    });
    expect(alert!.to).toEqual([newEmail]);
    expect(tab.pageErrors).toEqual([]);
  });
});
