/**
 * The I/O of lead nurturing. The workflow holds IDs and the sequence's structure; the lead, the templates and the
 * consents are read here, at the moment they matter: the check before a send runs in the same activity as the send.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Models } from '../../models/index.ts';
import type { Mailer } from '../../lib/mailer.ts';
import type { LinkSigner } from '../../lib/signed-links.ts';
import { KeyDestroyedError } from '../../lib/crypto/errors.ts';
import { createConsents } from '../../lib/consents.ts';
import { createLegalHolds } from '../../lib/legal-holds.ts';
import { nurturingLinks } from '../../lib/nurturing-links.ts';
import { planOf, renderTemplate, templateVariables, type EmailStepDef, type SequenceDefinition, type StepDef } from '../../lib/sequences.ts';
import { savedVersion } from '../../lib/sequence-versions.ts';
import type { NurturingOutcome, NurturingPlan, SendResult } from '../../contracts/nurturing.ts';
import { sendOnce } from '../notifications/send-once.ts';
import { createSendThrottle } from './throttle.ts';

export interface NurturingDeps {
  models: Models;
  mailer: Mailer;
  links: LinkSigner;
  publicUrl: string;
  /** NURTURING_SENDS_PER_MINUTE, per account. */
  sendsPerMinute: number;
}

export interface EnrollmentRef {
  accountId: string;
  leadId: string;
  sequenceId: string;
  version: number;
}

export interface StepRef extends EnrollmentRef {
  stepId: string;
  /** How often the enrollment has reached this step (a goto may come back): part of the idempotency key. */
  visit: number;
}

export interface SendRef extends StepRef {
  /** The account's send slot for this mail was reserved (by an earlier call that answered `paced`) and has come. */
  slotTaken?: boolean;
}

const workflowIdOf = (what: string) => {
  const workflowId = Context.current().info.workflowExecution?.workflowId;
  if (!workflowId) throw ApplicationFailure.create({ message: `${what} must run in a workflow`, nonRetryable: true });
  return workflowId;
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const URL_IN_TEXT = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]/g;

export function createNurturingActivities({ models, mailer, links, publicUrl, sendsPerMinute }: NurturingDeps) {
  const consents = createConsents(models.Consent);
  const holds = createLegalHolds(models.LegalHold);
  const throttle = createSendThrottle(models, sendsPerMinute);
  const mailLinks = nurturingLinks(links, publicUrl);
  const unsubscribeMailbox = `unsubscribe@${new URL(publicUrl).hostname}`;

  const loadDefinition = async ({ accountId, sequenceId, version }: EnrollmentRef): Promise<SequenceDefinition> => {
    const v = await savedVersion(models, sequenceId, version);
    if (!v || v.accountId !== accountId) throw ApplicationFailure.create({ type: 'SequenceVersionNotFound', message: `sequence ${sequenceId} has no version ${version} in account ${accountId}`, nonRetryable: true });
    return v.definition;
  };
  /** The lead, or null when it was erased (deleted, or its account's key shredded). */
  const loadLead = async (accountId: string, leadId: string) => {
    try {
      const lead = await models.Lead.findById(leadId).lean();
      return lead && lead.accountId === accountId ? lead : null;
    } catch (err) {
      if (err instanceof KeyDestroyedError) return null;
      throw err;
    }
  };
  const stepOf = <T extends StepDef['type']>(def: SequenceDefinition, stepId: string, type: T) => {
    const step = def.steps.find((s) => s.id === stepId);
    if (step?.type !== type) throw ApplicationFailure.create({ type: 'StepNotFound', message: `no ${type} step ${stepId}`, nonRetryable: true });
    return step as Extract<StepDef, { type: T }>;
  };

  /** Why this mail must not go out, or null. Order: the lead is gone, converted, held, bounced, then consent. */
  const suppression = async (ref: StepRef, step: EmailStepDef, lead: Awaited<ReturnType<typeof loadLead>>): Promise<Extract<SendResult, { status: 'suppressed' }> | null> => {
    if (!lead) return { status: 'suppressed', reason: 'erased', scope: 'enrollment' };
    if (lead.status === 'converted') return { status: 'suppressed', reason: 'converted', scope: 'enrollment' };
    // Independent reads: asked at once, judged in order. A bounce is marked on the lead by the bounce webhook.
    const [held, marketing] = await Promise.all([
      holds.activeFor(ref.accountId, { type: 'lead', id: ref.leadId }).then((h) => h.length > 0),
      step.category === 'marketing' ? consents.isGranted({ accountId: ref.accountId, subjectType: 'lead', subjectId: ref.leadId }, 'marketing') : true,
    ]);
    if (held) return { status: 'suppressed', reason: 'legal-hold', scope: 'enrollment' };
    if (lead.bouncedAt) return { status: 'suppressed', reason: 'bounced', scope: 'enrollment' };
    if (!lead.email) return { status: 'suppressed', reason: 'no-address', scope: 'enrollment' };
    // Service mail is not marketing: it goes out whatever the marketing consent says.
    if (!marketing) return { status: 'suppressed', reason: 'no-marketing-consent', scope: 'marketing' };
    return null;
  };

  /** The values of the variables `templates` use: the account and the owner are read only when one is named. */
  const variablesFor = async (accountId: string, lead: NonNullable<Awaited<ReturnType<typeof loadLead>>>, templates: string[]) => {
    const [first, ...rest] = (lead.name ?? '').trim().split(/\s+/);
    const used = new Set(templates.flatMap((t) => [...templateVariables(t)]));
    const [account, owner] = await Promise.all([
      used.has('account.name') || used.has('sender.name') ? models.Account.findById(accountId).lean().catch(() => null) : null,
      used.has('sender.name') && lead.ownerUserId ? models.User.findById(lead.ownerUserId).lean().catch(() => null) : null,
    ]);
    return {
      'lead.firstName': first ?? '',
      'lead.lastName': rest.join(' '),
      'lead.name': lead.name ?? '',
      'lead.company': lead.company ?? '',
      'lead.jobTitle': lead.jobTitle ?? '',
      'sender.name': owner?.name ?? account?.name ?? '',
      'account.name': account?.name ?? '',
    };
  };

  return {
    /**
     * The version's structure and the lead's time zone: what the workflow keeps (no template text, no personal
     * data). Only enrollments started before the plan came with the input (2026-11-26) still call it.
     */
    async loadNurturingPlan(ref: EnrollmentRef): Promise<NurturingPlan> {
      const def = await loadDefinition(ref);
      const lead = await loadLead(ref.accountId, ref.leadId);
      if (!lead) throw ApplicationFailure.create({ type: 'LeadNotFound', message: `lead ${ref.leadId} does not exist (erased?)`, nonRetryable: true });
      return planOf(def, lead.timeZone);
    },

    /**
     * Milliseconds to wait for the account's next send slot (activities/nurturing/throttle.ts). Only enrollments
     * started before the plan came with the input (2026-11-26) still call it: the send takes its slot itself.
     */
    async reserveSendSlot(accountId: string): Promise<number> {
      return throttle.reserve(accountId);
    },

    /**
     * Checks suppression, takes the account's next send slot (a slot still ahead is answered `paced`: nothing is
     * sent, the workflow waits on a timer and calls again), then sends through the mail ledger under
     * `<workflowId>:<stepId>:<visit>`: a retry, or a new worker after a crash, finds the earlier send and does not
     * mail again. A mail already sent is reported as sent even if the lead opted out since (it did go out). A
     * suppressed mail takes no slot.
     */
    async sendNurturingEmail(ref: SendRef): Promise<SendResult> {
      const workflowId = workflowIdOf('a nurturing mail');
      const key = `${workflowId}:${ref.stepId}:${ref.visit}`;
      const [definition, lead] = await Promise.all([loadDefinition(ref), loadLead(ref.accountId, ref.leadId)]);
      const step = stepOf(definition, ref.stepId, 'email');
      const suppressed = await suppression(ref, step, lead);
      if (suppressed) {
        // Only a mail not sent yet is suppressed; one already out (by an attempt before this) is reported as sent.
        const earlier = await models.Notification.findById(key).lean();
        return earlier?.status === 'sent' ? { status: 'sent', messageId: earlier.messageId, alreadySent: true } : suppressed;
      }

      if (!ref.slotTaken) {
        const waitMs = await throttle.reserve(ref.accountId);
        if (waitMs > 0) return { status: 'paced', waitMs };
      }

      const vars = await variablesFor(ref.accountId, lead!, [step.subject, step.body]);
      const subject = renderTemplate(step.subject, vars);
      const body = renderTemplate(step.body, vars);
      const unsubscribe = await mailLinks.unsubscribe(workflowId);
      const preferences = await mailLinks.preferences(workflowId);
      // Links of the template are tracked; the variables' values are not links anyone signed.
      const tracked = new Map<string, string>();
      for (const m of step.body.matchAll(URL_IN_TEXT)) if (!tracked.has(m[0])) tracked.set(m[0], await mailLinks.click(workflowId, ref.stepId, m[0]));
      const trackLinks = (text: string, wrap: (url: string, original: string) => string) => text.replace(URL_IN_TEXT, (u) => (tracked.has(u) ? wrap(tracked.get(u)!, u) : u));
      const footer = step.category === 'marketing' ? `\n\n--\nUnsubscribe: ${unsubscribe.url}\nYour mail preferences: ${preferences}` : '';
      const text = trackLinks(body, (url) => url) + footer;
      const html =
        `<div>${trackLinks(escapeHtml(body), (url, original) => `<a href="${escapeHtml(url)}">${original}</a>`).replace(/\n/g, '<br>')}</div>` +
        (step.category === 'marketing' ? `<p style="font-size:small"><a href="${escapeHtml(unsubscribe.url)}">Unsubscribe</a> · <a href="${escapeHtml(preferences)}">Your mail preferences</a></p>` : '') +
        `<img src="${escapeHtml(await mailLinks.openPixel(workflowId, ref.stepId))}" width="1" height="1" alt="">`;

      const messageId = await sendOnceAndRecord(key, { workflowId, ref, step, to: lead!.email!, subject, text, html, unsubscribe });
      return { status: 'sent', ...messageId };
    },

    /** A task for the lead's owner; idempotent per enrollment, step and visit. The title stays a template. */
    async createSalesTask(ref: StepRef & { dueInMs: number | null }): Promise<string> {
      const workflowId = workflowIdOf('a sales task');
      const step = stepOf(await loadDefinition(ref), ref.stepId, 'task');
      const lead = await loadLead(ref.accountId, ref.leadId);
      const _id = `${workflowId}:${ref.stepId}:${ref.visit}`;
      await models.SalesTask.updateOne(
        { _id },
        {
          $setOnInsert: {
            accountId: ref.accountId,
            leadId: ref.leadId,
            enrollmentId: workflowId,
            stepId: ref.stepId,
            titleTemplate: step.title,
            assigneeUserId: lead?.ownerUserId ?? undefined,
            dueAt: ref.dueInMs === null ? undefined : new Date(Date.now() + ref.dueInMs),
          },
        },
        { upsert: true },
      );
      return _id;
    },

    /**
     * The enrollment's record follows the workflow's end (the opt-out endpoint signals only running ones). Written
     * whole if missing: an enrollment started by the automatic enrollment may end before its record is written.
     */
    async finishEnrollment(outcome: NurturingOutcome, ref?: EnrollmentRef): Promise<void> {
      const workflowId = workflowIdOf('finishing an enrollment');
      const status = outcome.outcome;
      const runId = Context.current().info.workflowExecution?.runId ?? '';
      await models.Enrollment.updateOne(
        { _id: workflowId },
        { $set: { status, outcome, endedAt: new Date() }, ...(ref ? { $setOnInsert: { ...ref, runId } } : {}) },
        { upsert: Boolean(ref) },
      );
    },
  };

  async function sendOnceAndRecord(
    key: string,
    m: { workflowId: string; ref: StepRef; step: EmailStepDef; to: string; subject: string; text: string; html: string; unsubscribe: { token: string; url: string } },
  ) {
    // The ledger derives the same Message-ID from the key; it is recorded first, so a reply or bounce to it is always found.
    const messageId = `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@loro.engine>`;
    await models.NurturingMessage.updateOne(
      { _id: messageId },
      { $setOnInsert: { accountId: m.ref.accountId, leadId: m.ref.leadId, enrollmentId: m.workflowId, stepId: m.ref.stepId, category: m.step.category, sentAt: new Date() } },
      { upsert: true },
    );
    const result = await sendOnce(models, mailer, {
      key,
      accountId: m.ref.accountId,
      kind: `nurturing.${m.step.category}`,
      to: m.to,
      subject: m.subject,
      text: m.text,
      html: m.html,
      headers: {
        // RFC 8058: one-click unsubscribe by POST to the https URL; the mailto for clients without it (RFC 2369).
        'List-Unsubscribe': `<${m.unsubscribe.url}>, <mailto:${unsubscribeMailbox}?subject=unsubscribe%20${m.unsubscribe.token}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    });
    return { messageId: result.messageId, alreadySent: result.alreadySent };
  }
}
