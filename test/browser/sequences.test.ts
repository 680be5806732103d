/**
 * Sequences and enrollment in a real browser against the real API, worker, Temporal and SMTP sink: an ops user
 * writes a sequence with a bad template variable and a negative wait and sees both refusals next to their fields
 * (and nothing stored), fixes them (version 1), edits (version 2), then enrolls a lead in Tokyo from the lead's
 * page and watches the first mail land on the enrollment's timeline — and in the sink — before pausing and
 * resuming it with a confirmation. A second sequence enrols new leads automatically: a lead created through the API
 * with a matching source shows up in its enrollments without anyone enrolling it (one that does not match stays
 * out). The console is built from the current sources into a folder of this file.
 * Screenshots land in test-artifacts/screenshots/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../models/ids.ts';
import { createConsents } from '../../lib/consents.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import type { AutoEnrollmentResult } from '../../contracts/nurturing.ts';
import { addUser, HttpSession, startEngine, TEST_PASSWORD, type Engine } from '../fixtures/engine.ts';
import { assertChromiumInstalled, launchBrowser, saveScreenshot, type BrowserSession, type TestBrowser } from '../fixtures/browser.ts';
import { mailTo, uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

let engine: Engine | undefined;
let browser: TestBrowser | undefined;
let tab: BrowserSession;
let consoleDir: string | undefined;
let user: { email: string };
const accountId = newId('acc');
const leadId = newId('led');
const leadEmail = uniqueEmail('yuki');
let sequenceId = '';

beforeAll(async () => {
  assertChromiumInstalled();
  consoleDir = await mkdtemp(join(tmpdir(), 'loro-console-sequences-'));
  const { buildConsole } = await import('../../cli/build-console.ts');
  const launched = launchBrowser().then((b) => (browser = b));
  const started = buildConsole({ outDir: consoleDir })
    .then(() => startEngine({ consoleDir }))
    .then((e) => (engine = e));
  const results = await Promise.allSettled([launched, started]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const { models } = engine!.deps;
  user = await addUser(engine!, ['ops']);
  await models.Account.create({ _id: accountId, name: 'Sequences KK', owner: { name: 'Sora Owner', email: uniqueEmail('owner') } });
  await models.Lead.create({ _id: leadId, accountId, name: 'Yuki Sequence', email: leadEmail, timeZone: 'Asia/Tokyo' });
  await createConsents(models.Consent).record({ accountId, subjectType: 'lead', subjectId: leadId, category: 'marketing', granted: true, policyVersion: '1', source: 'api' });
  tab = await browser!.newSession({ baseURL: engine!.baseUrl });
});

afterAll(async () => {
  await browser?.close();
  await engine?.close();
  if (consoleDir) await rm(consoleDir, { recursive: true, force: true });
});

afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && tab) await saveScreenshot(tab.page, `FAILED-${task.name}`).catch(() => {});
});

describe('sequences and enrollment (browser)', () => {
  it('shows each error of a refused sequence next to its field, then saves version 1', async () => {
    const { page } = tab;
    await page.goto('/');
    await page.locator('#email').fill(user.email);
    await page.locator('#password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'Sequences' }).click();
    await page.getByTestId('sequences-account-input').fill(accountId);
    await page.getByTestId('sequences-account-open').click();
    await page.getByText('No sequences yet').waitFor();
    await page.getByTestId('sequence-new').click();

    await page.getByTestId('seq-name').fill('Tokyo welcome');
    // Any day, any hour (in the lead's zone): the first mail goes out while the test watches.
    await page.getByTestId('seq-window-custom').check();
    await page.getByTestId('seq-window-day-sat').check();
    await page.getByTestId('seq-window-day-sun').check();
    await page.getByTestId('seq-sendWindow-start').fill('00:00');
    await page.getByTestId('seq-sendWindow-midnight').check(); // until 24:00: no minute before midnight without mail
    expect(await page.getByTestId('seq-sendWindow-end').isDisabled()).toBe(true);
    const steps = page.getByTestId('seq-step');
    await steps.nth(0).getByTestId('seq-step-subject').fill('Hello {{lead.nickname}}');
    await steps.nth(0).getByTestId('seq-step-body').fill('Welcome aboard, {{lead.firstName}}.');
    await page.getByTestId('seq-add-wait').click();
    await steps.nth(1).getByTestId('seq-step-duration').fill('-P2D');
    await page.getByTestId('seq-save').click();

    await page.getByTestId('seq-error-summary').waitFor();
    expect(await page.getByTestId('seq-error-summary-item').count()).toBe(2);
    expect(await steps.nth(0).getByTestId('seq-step-subject-error').textContent()).toContain('unknown template variable {{lead.nickname}}');
    expect(await steps.nth(0).getByTestId('seq-step-subject').getAttribute('aria-invalid')).toBe('true');
    expect(await steps.nth(0).getByTestId('seq-step-body-error').count()).toBe(0);
    expect(await steps.nth(1).getByTestId('seq-step-duration-error').textContent()).toBe('must not be negative');
    expect(await steps.nth(1).getByTestId('seq-step-duration').getAttribute('aria-invalid')).toBe('true');
    // The summary names each place and leads to its field.
    await page.getByTestId('seq-error-summary-item').nth(1).getByRole('link').click();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('seq-step-duration');
    expect(await engine!.deps.models.Sequence.countDocuments({ accountId })).toBe(0);
    await saveScreenshot(page, 'sequences-errors-in-place');

    await steps.nth(0).getByTestId('seq-step-subject').fill('Hello {{lead.firstName}}');
    await steps.nth(1).getByTestId('seq-step-duration').fill('P2D');
    await page.getByTestId('seq-save').click();
    await expect.poll(() => page.getByTestId('seq-latest-version').textContent().catch(() => null)).toBe('version 1');
    sequenceId = /#\/sequences\/(seq_[0-9a-f]{32})$/.exec(page.url())?.[1] ?? '';
    expect(sequenceId).not.toBe('');
    expect(await page.getByTestId('seq-saved').textContent()).toBe('Created as version 1.');
    expect(await page.getByTestId('seq-error-summary').count()).toBe(0);
    expect(await page.getByTestId('seq-version-row').count()).toBe(1);
    const stored = await engine!.deps.models.SequenceVersion.findOne({ sequenceId, version: 1 }).lean();
    expect(stored?.definition).toMatchObject({
      name: 'Tokyo welcome',
      sendWindow: { days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], start: '00:00', end: '24:00' },
      steps: [{ id: 'email-1', type: 'email', subject: 'Hello {{lead.firstName}}' }, { id: 'wait-2', type: 'wait', duration: 'P2D' }],
    });
  });

  it('edits the sequence into version 2, listed in the history', async () => {
    const { page } = tab;
    await page.getByTestId('seq-name').fill('Tokyo welcome, shorter');
    await page.getByTestId('seq-save').click();
    await expect.poll(() => page.getByTestId('seq-latest-version').textContent()).toBe('version 2');
    expect(await page.getByTestId('seq-saved').textContent()).toBe('Saved as version 2.');
    expect(await page.getByTestId('seq-title').textContent()).toBe('Tokyo welcome, shorter');
    const versions = page.getByTestId('seq-version-row');
    await expect.poll(() => versions.count()).toBe(2);
    expect(await versions.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-version')))).toEqual(['2', '1']);
    expect(await engine!.deps.models.SequenceVersion.countDocuments({ sequenceId })).toBe(2);
    await saveScreenshot(page, 'sequences-version-2');
  });

  it('enrolls a lead from its page and shows the first mail on its timeline', async () => {
    const { page } = tab;
    await page.getByRole('link', { name: 'Leads' }).click();
    await page.getByTestId('leads-account-input').fill(accountId);
    await page.getByTestId('leads-account-open').click();
    await page.getByTestId('lead-name').filter({ hasText: 'Yuki Sequence' }).click();
    await expect.poll(() => page.getByTestId('lead-detail-name').textContent()).toBe('Yuki Sequence');
    expect(await page.getByTestId('lead-detail').textContent()).toContain(leadEmail);
    await page.locator('[data-testid="lead-consent"][data-category="marketing"][data-granted="true"]').waitFor();
    await page.getByText('Not enrolled').waitFor();

    await page.getByTestId('enroll-sequence').selectOption(sequenceId);
    await page.getByTestId('enroll-submit').click();
    expect(await page.getByTestId('enroll-result').textContent()).toBe('Enrolled in “Tokyo welcome, shorter”, version 2.');
    const card = page.getByTestId('enrollment');
    await expect.poll(() => card.count()).toBe(1);
    await expect.poll(() => page.getByTestId('lead-detail-status').textContent()).toBe('nurturing');

    // The card re-reads the workflow while it runs: the mail goes out at once (the window is always open).
    const sent = card.locator('[data-testid="timeline-entry"][data-event="sent"]');
    await sent.waitFor({ timeout: 45_000 });
    expect(await sent.textContent()).toContain('(Asia/Tokyo)');
    expect(await sent.textContent()).toContain('email-1');
    const mails = await waitFor('the nurturing mail in the sink', async () => {
      const found = await mailTo(leadEmail);
      return found.length ? found : null;
    });
    expect(mails.map((m) => m.subject)).toEqual(['Hello Yuki']);
    await expect.poll(() => card.getByTestId('enrollment-progress').textContent()).toBe('Step 2 of 2 · wait-2 (wait)');
    expect(await card.locator('[data-testid="timeline-entry"][data-event="started"]').textContent()).toContain('v2');
    await saveScreenshot(page, 'lead-nurturing-timeline');

    // Pause asks first; the enrollment then says it is paused, and why, on its timeline.
    await card.getByTestId('enrollment-pause').click();
    const dialog = page.getByTestId('enrollment-action-dialog');
    await dialog.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect.poll(() => card.getByTestId('enrollment-status').textContent()).toBe('paused');
    await card.locator('[data-testid="timeline-entry"][data-event="paused"]').waitFor();
    await card.getByTestId('enrollment-resume').click();
    await dialog.getByRole('button', { name: 'Resume', exact: true }).click();
    await expect.poll(() => card.getByTestId('enrollment-status').textContent()).toBe('running');

    // The sequence's page counts it and shows the step it is on.
    await page.getByRole('link', { name: 'Tokyo welcome, shorter' }).click();
    await expect.poll(() => page.locator('[data-testid="seq-enrollment-count"][data-status="running"]').textContent()).toContain('1');
    const row = page.locator(`[data-testid="seq-enrollment-row"][data-lead-id="${leadId}"]`);
    await expect.poll(() => row.getByTestId('seq-enrollment-step').textContent()).toContain('Step 2 of 2');
    await page.setViewportSize({ width: 768, height: 1024 });
    await saveScreenshot(page, 'sequence-enrollments-tablet');
    expect(tab.pageErrors).toEqual([]);
  });

  it('enrols a lead created through the API in a sequence with automatic enrollment, without a hand on it', async () => {
    const { page } = tab;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`/#/sequences?account=${accountId}`);
    const manual = page.locator(`[data-testid="sequence-row"][data-sequence-id="${sequenceId}"]`);
    await expect.poll(() => manual.getByTestId('sequence-entry').textContent()).toBe('Manual enrollment only');
    await page.getByTestId('sequence-new').click();

    await page.getByTestId('seq-name').fill('Webinar follow-up');
    // A single wait keeps the enrollment running while the test looks at it.
    await page.getByTestId('seq-step-remove').click();
    await page.getByTestId('seq-add-wait').click();
    await page.getByRole('switch', { name: 'Enrol new leads automatically' }).check();
    const sources = page.getByTestId('seq-entryCriteria-sources');
    await sources.fill(' webinar, webinar ,, ');
    await sources.blur();
    expect(await sources.inputValue()).toBe('webinar');
    await page.getByTestId('seq-entryCriteria-minScore').fill('2.5');
    await page.getByTestId('seq-save').click();
    // The API's refusal shows under the field it names, and the summary leads there.
    expect(await page.getByTestId('seq-entryCriteria-minScore-error').textContent()).toBe('must be integer');
    expect(await page.getByTestId('seq-entryCriteria-minScore').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('seq-error-summary-item').textContent()).toContain('Automatic enrollment · minimum score');
    await page.getByTestId('seq-error-summary-item').getByRole('link').click();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('seq-entryCriteria-minScore');
    await page.getByTestId('seq-entryCriteria-minScore').fill('5');
    expect(await page.getByTestId('seq-entryCriteria-summary').textContent()).toBe('Automatic: source webinar, score ≥ 5');
    await page.getByTestId('seq-save').click();

    await expect.poll(() => page.getByTestId('seq-latest-version').textContent().catch(() => null)).toBe('version 1');
    const autoId = /#\/sequences\/(seq_[0-9a-f]{32})$/.exec(page.url())?.[1] ?? '';
    expect(autoId).not.toBe('');
    expect(await page.getByTestId('seq-entry').textContent()).toBe('Automatic: source webinar, score ≥ 5');
    expect(await page.getByTestId('seq-auto-enroll').isChecked()).toBe(true);
    expect(await page.getByTestId('seq-entryCriteria-sources').inputValue()).toBe('webinar');
    const stored = await engine!.deps.models.SequenceVersion.findOne({ sequenceId: autoId, version: 1 }).lean();
    expect(stored?.definition).toMatchObject({ entryCriteria: { sources: ['webinar'], minScore: 5 }, steps: [{ id: 'wait-1', type: 'wait', duration: 'P2D' }] });
    await page.getByText('No enrollments yet').waitFor();

    // Two leads come in through the API: the one from the webinar is enrolled, the one from a fair is not.
    const api = await HttpSession.signIn(engine!.baseUrl, user.email);
    const createLead = async (name: string, source: string) => {
      const res = await api.request('POST', `/api/accounts/${accountId}/leads`, { name, email: uniqueEmail('auto'), source, score: 40 });
      expect(res.status).toBe(201);
      const result = await engine!.deps.temporal.workflow.getHandle(workflowIds.leadAutoEnrollment(accountId, res.json.id as string)).result();
      return { id: res.json.id as string, result: result as AutoEnrollmentResult };
    };
    const fromWebinar = await createLead('Wen Webinar', 'webinar');
    expect(fromWebinar.result).toMatchObject({ leads: 1, enrolled: 1 });
    const fromFair = await createLead('Fay Fair', 'fair-2025');
    expect(fromFair.result).toMatchObject({ leads: 1, enrolled: 0 });

    await page.getByRole('button', { name: 'Refresh', exact: true }).click();
    const running = page.locator('[data-testid="seq-enrollment-count"][data-status="running"] strong');
    await expect.poll(() => running.textContent()).toBe('1');
    const row = page.locator(`[data-testid="seq-enrollment-row"][data-lead-id="${fromWebinar.id}"]`);
    await expect.poll(() => row.getByTestId('seq-enrollment-step').textContent()).toContain('Step 1 of 1');
    expect(await page.getByTestId('seq-enrollment-row').count()).toBe(1);
    expect(await engine!.deps.models.Enrollment.findOne({ sequenceId: autoId, leadId: fromWebinar.id }).lean()).toMatchObject({ status: 'running', enrolledBy: 'auto' });
    await saveScreenshot(page, 'sequence-automatic-enrollment');

    // Back through the page's breadcrumb, which keeps the account.
    await page.locator('.crumb').getByRole('link', { name: 'Sequences' }).click();
    const auto = page.locator(`[data-testid="sequence-row"][data-sequence-id="${autoId}"]`);
    await expect.poll(() => auto.getByTestId('sequence-entry').textContent()).toBe('Automatic: source webinar, score ≥ 5');
    expect(await manual.getByTestId('sequence-entry').textContent()).toBe('Manual enrollment only');
    expect(tab.pageErrors).toEqual([]);
  });
});
