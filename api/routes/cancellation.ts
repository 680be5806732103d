/**
 * Account cancellation: request it, follow the countdown, reactivate (staff, or the owner through the mailed
 * link), extend the grace period or purge at once on the owner's request, and read deletion certificates.
 * The workflow (workflows/account-cancellation.ts) decides; these routes ask it and translate its refusals.
 * Every refusal is audited.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { problemSchema } from '../../schemas/common.ts';
import {
  accountIdParamsSchema,
  cancellationStateSchema,
  certificateParamsSchema,
  certificatesQuerySchema,
  extendGraceBodySchema,
  reactivationBodySchema,
} from '../../schemas/cancellation.ts';
import {
  cancellationStateQuery,
  extendGraceUpdate,
  purgeNowUpdate,
  reactivateUpdate,
  type accountCancellation,
  type CancellationState,
} from '../../workflows/account-cancellation.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { createLinkSigner, LinkRefusedError } from '../../lib/signed-links.ts';
import type { ApiDeps } from '../deps.ts';
import type { Principal } from '../auth/principal.ts';
import { actorOf } from '../audit-actor.ts';
import { forbidden, HttpProblem, notFound } from '../problem.ts';
import { defineRoute } from './registry.ts';

const DAY = 86_400_000;
const STAFF = ['ops', 'engineer', 'admin'] as const;

export const cancellationRoutes = ({ models, temporal, config, keyring }: ApiDeps) => {
  const audit = createAuditLog(models.AuditEntry);
  const links = createLinkSigner(keyring);
  const handleOf = (accountId: string) => temporal.workflow.getHandle<typeof accountCancellation>(workflowIds.accountCancellation(accountId));

  const refuse = async (principal: Principal | null | undefined, accountId: string, action: string, problem: HttpProblem): Promise<never> => {
    await audit.append({ actor: actorOf(principal), action: `account.${action}.refused`, target: { type: 'account', id: accountId }, details: { reason: problem.slug, status: problem.status } });
    throw problem;
  };

  /** Why there is nothing to act on: the account was purged (409), never existed (404), or is not cancelled (409). */
  const noCancellation = async (accountId: string): Promise<HttpProblem> => {
    if (await models.DeletionCertificate.exists({ accountId, scope: 'account' })) return new HttpProblem(409, 'account-purged', 'Conflict', `Account ${accountId} was permanently deleted`);
    if (!(await models.Account.exists({ _id: accountId }))) return notFound(`No account ${accountId}`);
    return new HttpProblem(409, 'not-cancelled', 'Conflict', `Account ${accountId} has no cancellation in its grace period`);
  };

  /**
   * Runs an update on the account's cancellation. The workflow is the authority (the account document may not
   * show a cancellation requested a moment ago yet); its refusals, and a cancellation that is over, become 409s.
   */
  const update = async <T>(accountId: string, principal: Principal | null | undefined, action: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return refuse(principal, accountId, action, await noCancellation(accountId));
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const slug = err.cause.type === 'PurgeStarted' ? 'purge-started' : 'refused';
        return refuse(principal, accountId, action, new HttpProblem(409, slug, 'Conflict', err.cause.message));
      }
      throw err;
    }
  };

  const stateOf = (accountId: string, s: CancellationState) => ({
    accountId,
    workflowId: workflowIds.accountCancellation(accountId),
    ...s,
    daysRemaining: Math.max(0, Math.ceil((Date.parse(s.purgeAt) - Date.now()) / DAY)),
  });

  return [
    defineRoute({
      method: 'post',
      path: '/api/accounts/:id/cancellation',
      summary: `Cancel an account: read-only for the grace period (${config.cancellation.graceDays} days), then purged with a deletion certificate. A second request answers with the running cancellation.`,
      tag: 'cancellation',
      access: { roles: ['ops', 'admin'], scope: 'accounts:write' },
      params: accountIdParamsSchema,
      responses: {
        202: { description: 'the cancellation (started now or already running)' },
        404: { description: 'no such account', schema: problemSchema },
        409: { description: 'the account was already deleted', schema: problemSchema },
      },
      async handler({ params, principal, req, res }) {
        const account = await models.Account.findById(params.id, { status: 1 }).lean();
        if (!account) return refuse(principal, params.id, 'cancellation', await noCancellation(params.id));
        const by = actorOf(principal).id ?? 'unknown';
        // The workflow ID is the business key: concurrent requests all land on the one running cancellation.
        const handle = await temporal.workflow.start<typeof accountCancellation>('accountCancellation', {
          taskQueue: config.temporal.taskQueue,
          workflowId: workflowIds.accountCancellation(params.id),
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [{ accountId: params.id, requestedBy: by, graceDays: config.cancellation.graceDays, financialRetentionDays: config.cancellation.financialRetentionDays }],
        });
        req.log.info({ accountId: params.id, workflowId: handle.workflowId, runId: handle.firstExecutionRunId }, 'account cancellation requested');
        res.status(202).json({ accountId: params.id, workflowId: handle.workflowId, runId: handle.firstExecutionRunId });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/accounts/:id/cancellation',
      summary: 'The state of an account’s cancellation: phase, purge date, days remaining, export, legal holds',
      tag: 'cancellation',
      access: { roles: STAFF, scope: 'accounts:read' },
      params: accountIdParamsSchema,
      responses: { 200: { description: 'the state', schema: cancellationStateSchema }, 404: { description: 'no cancellation of this account', schema: problemSchema } },
      async handler({ params }) {
        try {
          return stateOf(params.id, await handleOf(params.id).query(cancellationStateQuery));
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw notFound(`Account ${params.id} has no cancellation`);
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/accounts/:id/cancellation/reactivate',
      summary: 'Reactivate a cancelled account before its purge starts (an admin, on the owner’s behalf)',
      tag: 'cancellation',
      access: { roles: ['admin'] },
      params: accountIdParamsSchema,
      responses: { 200: { description: 'reactivated' }, 404: { description: 'no such account', schema: problemSchema }, 409: { description: 'not cancelled, or the purge began', schema: problemSchema } },
      async handler({ params, principal }) {
        const by = actorOf(principal).id ?? 'unknown';
        return update(params.id, principal, 'reactivation', () => handleOf(params.id).executeUpdate(reactivateUpdate, { args: [{ by }] }));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/account-reactivations',
      summary: 'The owner reactivates their account with the signed link from the cancellation mail',
      tag: 'cancellation',
      access: { roles: 'public' },
      body: reactivationBodySchema,
      responses: { 200: { description: 'reactivated' }, 403: { description: 'the link is forged or expired', schema: problemSchema }, 409: { description: 'the purge began', schema: problemSchema } },
      async handler({ body, principal }) {
        let accountId: string;
        try {
          accountId = (await links.verify(body.token, 'reactivate-account')).subject;
        } catch (err) {
          if (!(err instanceof LinkRefusedError)) throw err;
          await audit.append({ actor: actorOf(principal), action: 'account.reactivation.refused', target: { type: 'link', id: 'reactivate-account' }, details: { reason: err.reason } });
          throw forbidden(err.reason === 'expired' ? 'This reactivation link has expired' : 'This reactivation link is not valid');
        }
        const result = await update(accountId, principal, 'reactivation', () => handleOf(accountId).executeUpdate(reactivateUpdate, { args: [{ by: 'owner' }] }));
        return { accountId, ...result };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/accounts/:id/cancellation/extend',
      summary: 'Give the owner more time before the purge',
      tag: 'cancellation',
      access: { roles: ['admin'] },
      params: accountIdParamsSchema,
      body: extendGraceBodySchema,
      responses: { 200: { description: 'the new purge date' }, 409: { description: 'not cancelled, or the purge began', schema: problemSchema } },
      async handler({ params, body, principal }) {
        const by = actorOf(principal).id ?? 'unknown';
        return update(params.id, principal, 'grace-extension', () => handleOf(params.id).executeUpdate(extendGraceUpdate, { args: [{ by, days: body.days }] }));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/accounts/:id/cancellation/purge-now',
      summary: 'Delete now rather than at the end of the grace period, as the owner asked (legal holds still apply)',
      tag: 'cancellation',
      access: { roles: ['admin'] },
      params: accountIdParamsSchema,
      responses: { 200: { description: 'the purge is due now' }, 409: { description: 'not cancelled, or the purge began', schema: problemSchema } },
      async handler({ params, principal }) {
        const by = actorOf(principal).id ?? 'unknown';
        return update(params.id, principal, 'purge-now', () => handleOf(params.id).executeUpdate(purgeNowUpdate, { args: [{ by }] }));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/deletion-certificates',
      summary: 'Deletion certificates, newest first (of one account with ?accountId=)',
      tag: 'cancellation',
      access: { roles: STAFF },
      query: certificatesQuerySchema,
      responses: { 200: { description: 'certificates' } },
      async handler({ query }) {
        const found = await models.DeletionCertificate.find(query.accountId ? { accountId: query.accountId } : {})
          .sort({ completedAt: -1 })
          .limit(200)
          .lean();
        return { certificates: found.map(({ _id, ...c }) => ({ id: _id, ...c })) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/deletion-certificates/:id',
      summary: 'One deletion certificate',
      tag: 'cancellation',
      access: { roles: STAFF },
      params: certificateParamsSchema,
      responses: { 200: { description: 'the certificate' }, 404: { description: 'no such certificate', schema: problemSchema } },
      async handler({ params }) {
        const c = await models.DeletionCertificate.findById(params.id).lean();
        if (!c) throw notFound(`No deletion certificate ${params.id}`);
        const { _id, ...rest } = c;
        return { id: _id, ...rest };
      },
    }),
  ];
};
