/** Consents, legal holds, the processor register and the audit log: the policy's promises, over HTTP. */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { legalHoldsChangedSignal } from '../../workflows/account-cancellation.ts';
import { problemSchema } from '../../schemas/common.ts';
import {
  auditListQuerySchema,
  consentChangeBodySchema,
  consentSubjectParamsSchema,
  holdParamsSchema,
  holdsQuerySchema,
  placeHoldBodySchema,
  processorBodySchema,
} from '../../schemas/privacy.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { createConsents } from '../../lib/consents.ts';
import { createLegalHolds } from '../../lib/legal-holds.ts';
import type { ApiDeps } from '../deps.ts';
import { actorOf } from '../audit-actor.ts';
import { conflict, notFound } from '../problem.ts';
import { defineRoute } from './registry.ts';
import { isDuplicateKeyError } from '../../lib/mongo.ts';

const STAFF = ['ops', 'engineer', 'admin'] as const;

export const privacyRoutes = ({ models, temporal, logger }: ApiDeps) => {
  const audit = createAuditLog(models.AuditEntry);
  /**
   * A running cancellation re-reads the holds when told (and once a day regardless, so a lost signal only delays):
   * a hold stops its purge at once, a release lets it go on.
   */
  const notifyErasures = async (accountId: string, subject?: { type?: string | null; id?: string | null } | null) => {
    const ids = [workflowIds.accountCancellation(accountId)];
    if (subject?.type && subject.id) ids.push(workflowIds.personErasure(accountId, subject.type, subject.id));
    for (const workflowId of ids) {
      try {
        await temporal.workflow.getHandle(workflowId).signal(legalHoldsChangedSignal);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) logger.warn({ err, accountId, workflowId }, 'could not tell an erasure about a legal hold; it re-reads holds daily');
      }
    }
  };
  const consents = createConsents(models.Consent);
  const holds = createLegalHolds(models.LegalHold);
  return [
    defineRoute({
      method: 'post',
      path: '/api/consents',
      summary: 'Record a consent grant or revocation (takes effect at once)',
      tag: 'privacy',
      access: { roles: ['ops', 'admin'], scope: 'consents:write' },
      body: consentChangeBodySchema,
      responses: { 201: { description: 'recorded' } },
      async handler({ body, principal, res }) {
        const actor = actorOf(principal);
        const record = await consents.record({ ...body, recordedBy: actor.id });
        await audit.append({
          actor,
          action: body.granted ? 'consent.granted' : 'consent.revoked',
          target: { type: body.subjectType, id: body.subjectId },
          details: { accountId: body.accountId, category: body.category, policyVersion: body.policyVersion, source: body.source },
        });
        res.status(201).json({ category: record.category, granted: record.granted, policyVersion: record.policyVersion, at: record.at });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/consents/:accountId/:subjectType/:subjectId',
      summary: 'Current consent per category, with the full history',
      tag: 'privacy',
      access: { roles: STAFF, scope: 'consents:read' },
      params: consentSubjectParamsSchema,
      responses: { 200: { description: 'current state and history' } },
      async handler({ params }) {
        const [current, history] = await Promise.all([consents.current(params), consents.history(params)]);
        return {
          current,
          history: history.map(({ category, granted, policyVersion, source, at }) => ({ category, granted, policyVersion, source, at })),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/legal-holds',
      summary: 'Place a legal hold on an account or one person: every deletion of it stops',
      tag: 'privacy',
      access: { roles: ['admin'] },
      body: placeHoldBodySchema,
      responses: { 201: { description: 'placed' } },
      async handler({ body, principal, res }) {
        const actor = actorOf(principal);
        const hold = await holds.place({ ...body, placedBy: actor.id ?? 'unknown' });
        await audit.append({ actor, action: 'legal-hold.placed', target: { type: 'legal-hold', id: hold._id }, details: { accountId: body.accountId, subject: body.subject, reference: body.reference } });
        await notifyErasures(body.accountId, body.subject);
        res.status(201).json({ id: hold._id, placedAt: hold.placedAt });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/legal-holds/:id/release',
      summary: 'Release a legal hold',
      tag: 'privacy',
      access: { roles: ['admin'] },
      params: holdParamsSchema,
      responses: { 200: { description: 'released' }, 404: { description: 'no active hold with this ID', schema: problemSchema } },
      async handler({ params, principal }) {
        const actor = actorOf(principal);
        const hold = await models.LegalHold.findById(params.id, { accountId: 1, subject: 1 }).lean();
        if (!hold || !(await holds.release(params.id, actor.id ?? 'unknown'))) throw notFound(`No active legal hold ${params.id}`);
        await audit.append({ actor, action: 'legal-hold.released', target: { type: 'legal-hold', id: params.id } });
        await notifyErasures(hold.accountId, hold.subject);
        return { id: params.id, released: true };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/legal-holds',
      summary: 'Active legal holds of an account',
      tag: 'privacy',
      access: { roles: STAFF },
      query: holdsQuerySchema,
      responses: { 200: { description: 'active holds' } },
      async handler({ query }) {
        const active = await holds.activeFor(query.accountId);
        return { holds: active.map((h) => ({ id: h._id, subject: h.subject?.id ? h.subject : null, reference: h.reference, placedAt: h.placedAt })) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/processors',
      summary: 'The register of third-party processors',
      tag: 'privacy',
      access: { roles: STAFF },
      responses: { 200: { description: 'processors' } },
      async handler() {
        const processors = await models.Processor.find({ retiredAt: null }).sort({ name: 1 }).lean();
        return { processors: processors.map(({ _id, name, purpose, dataCategories, location, contractSignedAt }) => ({ id: _id, name, purpose, dataCategories, location, contractSignedAt })) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/processors',
      summary: 'Add a processor to the register',
      tag: 'privacy',
      access: { roles: ['admin'] },
      body: processorBodySchema,
      responses: { 201: { description: 'added' }, 409: { description: 'a processor with this name exists', schema: problemSchema } },
      async handler({ body, principal, res }) {
        const id = `prc_${randomUUID().replaceAll('-', '')}`;
        try {
          await models.Processor.create({ _id: id, ...body });
        } catch (err) {
          if (isDuplicateKeyError(err)) throw conflict(`A processor named ${body.name} is registered`);
          throw err;
        }
        await audit.append({ actor: actorOf(principal), action: 'processor.added', target: { type: 'processor', id }, details: { name: body.name, location: body.location } });
        res.status(201).json({ id });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/audit',
      summary: 'The newest audit entries',
      tag: 'audit',
      access: { roles: ['engineer', 'admin'] },
      query: auditListQuerySchema,
      responses: { 200: { description: 'entries, newest first' } },
      async handler({ query }) {
        const filter = query.before ? { _id: { $lt: query.before } } : {};
        const entries = await models.AuditEntry.find(filter).sort({ _id: -1 }).limit(query.limit ?? 100).lean();
        return { entries: entries.map(({ _id, ...e }) => ({ seq: _id, ...e })) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/audit/verify',
      summary: 'Verify the audit chain; names the first edited, missing or reordered entry',
      tag: 'audit',
      access: { roles: ['engineer', 'admin'] },
      responses: { 200: { description: 'the verification result' } },
      handler: () => audit.verify(),
    }),
    defineRoute({
      method: 'get',
      path: '/api/audit/export',
      summary: 'The whole audit log as JSON Lines, for auditors',
      tag: 'audit',
      access: { roles: ['admin'] },
      responses: { 200: { description: 'one entry per line', contentType: 'application/jsonl' } },
      async handler({ res, principal }) {
        await audit.append({ actor: actorOf(principal), action: 'audit.exported' });
        res.status(200).set({ 'content-type': 'application/jsonl', 'content-disposition': 'attachment; filename="loro-audit.jsonl"' });
        for await (const line of audit.exportJsonLines()) {
          if (!res.write(line)) await new Promise<void>((r) => res.once('drain', () => r()));
        }
        res.end();
      },
    }),
  ];
};
