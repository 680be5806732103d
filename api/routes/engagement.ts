/**
 * The public side of nurturing mail, every link signed (lib/nurturing-links.ts):
 * - the preference centre: the lead's choices per category (marketing, analytics and advertising cookies), each
 *   change recorded as a consent change (source `preference-centre`); turning marketing off reaches every running
 *   enrollment as an opt-out;
 * - one-click unsubscribe (RFC 8058): POST records a marketing-consent revocation (source `unsubscribe-link`) and
 *   signals every running enrollment of the lead; GET only confirms the link and offers the POST (link scanners
 *   prefetch GETs, so a GET never unsubscribes). A forged or expired token: 403, nothing changed.
 * - the open pixel and the click redirect (to the template's own URL only: no open redirect);
 * - reply and bounce webhooks for the mail relay, with an API token scope `engagement:write`.
 * Engagement is counted once per enrollment, step and kind; the lead's score follows it; the workflow is signalled.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Response } from 'express';
import { problemSchema } from '../../schemas/common.ts';
import { engagementWebhookBodySchema, PREFERENCE_CATEGORIES, preferencesBodySchema, tokenParamsSchema } from '../../schemas/sequences.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { createConsents } from '../../lib/consents.ts';
import { currentPolicy } from '../../lib/policy.ts';
import { createLinkSigner, LinkRefusedError, type LinkPurpose } from '../../lib/signed-links.ts';
import { parseLinkSubject } from '../../lib/nurturing-links.ts';
import { signalOptOut } from '../../lib/enrollments.ts';
import { engagementSignal } from '../../workflows/lead-nurturing.ts';
import type { EngagementKind } from '../../contracts/nurturing.ts';
import type { ApiDeps } from '../deps.ts';
import { actorOf } from '../audit-actor.ts';
import { forbidden, notFound } from '../problem.ts';
import { defineRoute } from './registry.ts';

/** How engagement moves the lead's score. */
export const SCORE_DELTAS: Record<EngagementKind, number> = { opened: 1, clicked: 3, replied: 10, bounced: -10 };

const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export const engagementRoutes = ({ models, temporal, keyring, logger }: ApiDeps) => {
  const audit = createAuditLog(models.AuditEntry);
  const links = createLinkSigner(keyring);
  const consents = createConsents(models.Consent);

  /** The claims' subject, or null for a forged, expired or misdirected token. */
  const verified = async (token: string, purpose: LinkPurpose) => {
    try {
      return parseLinkSubject((await links.verify(token, purpose)).subject);
    } catch (err) {
      if (err instanceof LinkRefusedError) return null;
      throw err;
    }
  };

  /** Counts once per enrollment, step and kind: moves the score and tells the workflow. False if already counted. */
  const recordEngagement = async (workflowId: string, stepId: string, kind: EngagementKind): Promise<boolean> => {
    const enrollment = await models.Enrollment.findById(workflowId, { accountId: 1, leadId: 1 }).lean();
    if (!enrollment) return false;
    // The mark every send checks, set before the event that counts once: a retried webhook still leaves it.
    if (kind === 'bounced') await models.Lead.updateOne({ _id: enrollment.leadId, accountId: enrollment.accountId }, { $set: { bouncedAt: new Date() } });
    try {
      await models.EngagementEvent.create({ _id: `${workflowId}:${stepId}:${kind}`, accountId: enrollment.accountId, leadId: enrollment.leadId, enrollmentId: workflowId, stepId, kind, scoreDelta: SCORE_DELTAS[kind], at: new Date() });
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
    await models.Lead.updateOne({ _id: enrollment.leadId, accountId: enrollment.accountId }, { $inc: { score: SCORE_DELTAS[kind] } });
    try {
      await temporal.workflow.getHandle(workflowId).signal(engagementSignal, { kind, stepId });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) logger.warn({ err, workflowId }, 'could not signal engagement to a nurturing enrollment');
    }
    return true;
  };

  /** The lead a preference link is for; 403 for a forged or expired link, or a lead erased meanwhile. */
  const preferenceSubject = async (token: string) => {
    const claims = await verified(token, 'preferences');
    const enrollment = claims && (await models.Enrollment.findById(claims.workflowId, { accountId: 1, leadId: 1 }).lean());
    if (!enrollment) throw forbidden('This preferences link is not valid');
    return { accountId: enrollment.accountId, subjectType: 'lead' as const, subjectId: enrollment.leadId };
  };
  const currentChoices = async (subject: { accountId: string; subjectType: 'lead'; subjectId: string }) =>
    (await consents.current(subject)).filter((c) => (PREFERENCE_CATEGORIES as readonly string[]).includes(c.category)).map((c) => ({ category: c.category, granted: c.granted }));

  const sendPixel = (res: Response) => {
    res.status(200).set({ 'content-type': 'image/gif', 'cache-control': 'no-store, max-age=0' }).send(PIXEL);
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/unsubscribe/:token',
      summary: 'One-click unsubscribe from marketing mail (RFC 8058): revokes the marketing consent, stops every running enrollment’s marketing mail',
      tag: 'nurturing',
      access: { roles: 'public' },
      params: tokenParamsSchema,
      responses: { 200: { description: 'unsubscribed (again, if already)' }, 403: { description: 'forged or expired link: nothing changed', schema: problemSchema } },
      async handler({ params, principal, req }) {
        const claims = await verified(params.token, 'unsubscribe');
        if (!claims) {
          req.log.warn('unsubscribe refused: forged or expired token');
          throw forbidden('This unsubscribe link is not valid');
        }
        const enrollment = await models.Enrollment.findById(claims.workflowId, { accountId: 1, leadId: 1 }).lean();
        if (!enrollment) return { unsubscribed: true, enrollmentsSignalled: 0 }; // the lead was erased meanwhile: nothing to mail
        const subject = { accountId: enrollment.accountId, subjectType: 'lead' as const, subjectId: enrollment.leadId };
        const marketing = (await consents.current(subject)).find((c) => c.category === 'marketing');
        if (!(marketing && !marketing.granted && marketing.at)) {
          const policy = await currentPolicy(models);
          await consents.record({ ...subject, category: 'marketing', granted: false, policyVersion: String(policy?._id ?? 'unknown'), source: 'unsubscribe-link' });
          await audit.append({ actor: actorOf(principal), action: 'consent.revoked', target: { type: 'lead', id: enrollment.leadId }, details: { accountId: enrollment.accountId, category: 'marketing', source: 'unsubscribe-link', enrollment: claims.workflowId } });
        }
        const signalled = await signalOptOut(models, temporal, enrollment.accountId, enrollment.leadId, logger);
        return { unsubscribed: true, enrollmentsSignalled: signalled.length };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/unsubscribe/:token',
      summary: 'Confirms an unsubscribe link without acting on it (a GET may be a link scanner): offers the one-click POST',
      tag: 'nurturing',
      access: { roles: 'public' },
      params: tokenParamsSchema,
      responses: { 200: { description: 'a minimal confirmation form', contentType: 'text/html' }, 403: { description: 'forged or expired link', schema: problemSchema } },
      async handler({ params, res }) {
        if (!(await verified(params.token, 'unsubscribe'))) throw forbidden('This unsubscribe link is not valid');
        res
          .status(200)
          .type('html')
          .send(
            `<!doctype html><meta charset="utf-8"><title>Unsubscribe</title><form method="post"><p>Stop marketing mail to this address?</p><button type="submit" name="List-Unsubscribe" value="One-Click">Unsubscribe</button></form>`,
          );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/preferences/:token',
      summary: 'The preference centre of a nurturing mail’s recipient: the current choice per category (HTML form, or JSON when asked for)',
      tag: 'nurturing',
      access: { roles: 'public' },
      params: tokenParamsSchema,
      responses: { 200: { description: 'the choices (text/html form, or JSON)' }, 403: { description: 'forged or expired link', schema: problemSchema } },
      async handler({ params, req, res }) {
        const subject = await preferenceSubject(params.token);
        const choices = await currentChoices(subject);
        if (req.accepts(['html', 'json']) === 'json') return { categories: choices };
        res.status(200).type('html').send(preferencePage(choices));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/preferences/:token',
      summary: 'Saves the preference centre: each category granted or revoked; every change is a consent record (source preference-centre); marketing off stops marketing mail of every running enrollment',
      tag: 'nurturing',
      access: { roles: 'public' },
      params: tokenParamsSchema,
      body: preferencesBodySchema,
      responses: {
        200: { description: 'saved: the choices and what changed' },
        400: { description: 'a category missing or not granted/revoked: every failing field', schema: problemSchema },
        403: { description: 'forged or expired link: nothing changed', schema: problemSchema },
      },
      async handler({ params, body, principal, req, res }) {
        const subject = await preferenceSubject(params.token);
        const before = new Map((await currentChoices(subject)).map((c) => [c.category, c.granted]));
        const policy = await currentPolicy(models);
        const changed: string[] = [];
        for (const category of PREFERENCE_CATEGORIES) {
          const granted = body[category] === 'granted';
          if (before.get(category) === granted) continue;
          await consents.record({ ...subject, category, granted, policyVersion: String(policy?._id ?? 'unknown'), source: 'preference-centre' });
          await audit.append({ actor: actorOf(principal), action: granted ? 'consent.granted' : 'consent.revoked', target: { type: 'lead', id: subject.subjectId }, details: { accountId: subject.accountId, category, source: 'preference-centre' } });
          changed.push(category);
        }
        const signalled = changed.includes('marketing') && body.marketing === 'revoked' ? await signalOptOut(models, temporal, subject.accountId, subject.subjectId, logger) : [];
        const choices = await currentChoices(subject);
        if (req.is('application/x-www-form-urlencoded')) return void res.status(200).type('html').send(preferencePage(choices, changed.length ? 'Your choices are saved.' : 'Nothing changed.'));
        return { categories: choices, changed, enrollmentsSignalled: signalled.length };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/t/o/:token.gif',
      summary: 'Open pixel of a nurturing mail (always answers the image; counts only genuine tokens)',
      tag: 'nurturing',
      access: { roles: 'public' },
      params: tokenParamsSchema,
      responses: { 200: { description: '1×1 GIF', contentType: 'image/gif' } },
      async handler({ params, res }) {
        const claims = await verified(params.token, 'track-open');
        if (claims?.stepId) await recordEngagement(claims.workflowId, claims.stepId, 'opened');
        sendPixel(res);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/t/c/:token',
      summary: 'Click redirect of a nurturing mail: to the template’s own URL, signed (no open redirect)',
      tag: 'nurturing',
      access: { roles: 'public' },
      params: tokenParamsSchema,
      responses: { 302: { description: 'to the link’s target' }, 403: { description: 'forged or expired link', schema: problemSchema } },
      async handler({ params, res }) {
        const claims = await verified(params.token, 'track-click');
        if (!claims?.stepId || !claims.target || !/^https?:\/\//.test(claims.target)) throw forbidden('This link is not valid');
        await recordEngagement(claims.workflowId, claims.stepId, 'clicked');
        res.redirect(302, claims.target);
      },
    }),
    ...(['replied', 'bounced'] as const).map((kind) =>
      defineRoute({
        method: 'post',
        path: kind === 'replied' ? '/api/engagement/replies' : '/api/engagement/bounces',
        summary: kind === 'replied' ? 'Webhook: a reply to a nurturing mail (by the Message-ID it answers); a reply is a goal' : 'Webhook: a nurturing mail bounced; the lead gets no further nurturing mail',
        tag: 'nurturing',
        access: { roles: ['admin'], scope: 'engagement:write' },
        body: engagementWebhookBodySchema,
        responses: { 200: { description: 'recorded (or already recorded)' }, 404: { description: 'no nurturing mail with this Message-ID', schema: problemSchema } },
        async handler({ body }) {
          const messageId = body.messageId.startsWith('<') ? body.messageId : `<${body.messageId}>`;
          const message = await models.NurturingMessage.findById(messageId).lean();
          if (!message) throw notFound('No nurturing mail with this Message-ID');
          const recorded = await recordEngagement(message.enrollmentId, message.stepId, kind);
          return { recorded, enrollment: message.enrollmentId, stepId: message.stepId };
        },
      }),
    ),
  ];
};

const LABELS: Record<(typeof PREFERENCE_CATEGORIES)[number], string> = {
  marketing: 'Marketing mail (offers, news, follow-ups)',
  'cookies.analytics': 'Analytics cookies on our website',
  'cookies.advertising': 'Advertising cookies on our website',
};

/** A plain form that works in any browser without JavaScript; no personal data on the page. */
function preferencePage(choices: { category: string; granted: boolean }[], notice?: string): string {
  const granted = new Map(choices.map((c) => [c.category, c.granted]));
  const rows = PREFERENCE_CATEGORIES.map((c) => {
    const on = granted.get(c) === true;
    return `<fieldset><legend>${LABELS[c]}</legend><label><input type="radio" name="${c}" value="granted"${on ? ' checked' : ''}> Yes</label> <label><input type="radio" name="${c}" value="revoked"${on ? '' : ' checked'}> No</label></fieldset>`;
  }).join('');
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Your mail preferences</title><main><h1>Your mail preferences</h1>${notice ? `<p role="status">${notice}</p>` : ''}<form method="post">${rows}<p>Service messages about things you asked for (appointments, security) are always sent.</p><button type="submit">Save my choices</button></form></main></html>`;
}
