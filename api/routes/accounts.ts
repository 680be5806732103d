import { WorkflowNotFoundError } from '@temporalio/client';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { accountListResponseSchema, accountSchema, createAccountBodySchema, createAccountResponseSchema, listAccountsQuerySchema } from '../../schemas/accounts.ts';
import { idParamsSchema, problemSchema } from '../../schemas/common.ts';
import { newId } from '../../models/ids.ts';
import { onboardingStateQuery, ownerSignedInSignal, type accountOnboarding } from '../../workflows/account-onboarding.ts';
import { accountIdKey } from '../../lib/search-attributes.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound, unavailable } from '../problem.ts';
import { defineRoute } from './registry.ts';

const OPS = ['ops', 'admin'] as const;
const STAFF = ['ops', 'engineer', 'admin'] as const;

export const accountRoutes = ({ models, temporal, logger, config }: ApiDeps) => [
  defineRoute({
    method: 'post',
    path: '/api/accounts',
    summary: 'Create a customer account; starts its onboarding workflow (welcome mail)',
    tag: 'accounts',
    access: { roles: OPS, scope: 'accounts:write' },
    body: createAccountBodySchema,
    responses: {
      202: { description: 'created; onboarding started', schema: createAccountResponseSchema },
      400: { description: 'invalid input', schema: problemSchema },
      503: { description: 'Temporal unavailable; nothing was created', schema: problemSchema },
    },
    async handler({ body, res, req }) {
      const accountId = newId('acc');
      await models.Account.create({ _id: accountId, name: body.name, owner: body.owner });
      const workflowId = workflowIds.accountOnboarding(accountId);
      try {
        const handle = await temporal.workflow.start<typeof accountOnboarding>('accountOnboarding', {
          taskQueue: config.temporal.taskQueue,
          workflowId,
          args: [{ accountId }],
          typedSearchAttributes: [{ key: accountIdKey, value: accountId }],
        });
        req.log.info({ accountId, workflowId, runId: handle.firstExecutionRunId }, 'account created');
        res.status(202).json({ accountId, workflowId, runId: handle.firstExecutionRunId });
      } catch (err) {
        // No account without its onboarding: undo the insert so the caller can simply retry.
        await models.Account.deleteOne({ _id: accountId });
        logger.error({ err, accountId }, 'could not start onboarding; account creation undone');
        throw unavailable('The workflow engine did not accept the onboarding; nothing was created, please retry');
      }
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/accounts',
    summary: 'Accounts, newest first, a page at a time (optionally of one status); no personal data',
    tag: 'accounts',
    access: { roles: STAFF, scope: 'accounts:read' },
    query: listAccountsQuerySchema,
    responses: {
      200: { description: 'a page of accounts', schema: accountListResponseSchema },
      400: { description: 'invalid query', schema: problemSchema },
    },
    async handler({ query }) {
      const limit = query.limit ?? 50;
      const filter: Record<string, unknown> = query.status ? { status: query.status } : {};
      if (query.cursor) {
        const dot = query.cursor.indexOf('.');
        const at = new Date(Number(query.cursor.slice(0, dot)));
        const id = query.cursor.slice(dot + 1);
        filter.$or = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: id } }];
      }
      // The owner's name and address stay out: the list needs neither.
      const found = await models.Account.find(filter, { name: 1, status: 1, onboarding: 1, cancellation: 1, createdAt: 1 })
        .sort({ createdAt: -1, _id: -1 })
        .limit(limit + 1)
        .lean();
      const page = found.slice(0, limit);
      const last = page.at(-1);
      return {
        accounts: page.map((a) => ({
          id: a._id,
          name: a.name,
          status: a.status,
          onboarding: a.onboarding?.status,
          createdAt: a.createdAt.toISOString(),
          ...(a.status === 'cancellation-pending' && a.cancellation?.purgeAt ? { purgeAt: a.cancellation.purgeAt.toISOString() } : {}),
        })),
        nextCursor: found.length > limit && last ? `${last.createdAt.getTime()}.${last._id}` : null,
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/accounts/:id',
    summary: 'An account with its onboarding state',
    tag: 'accounts',
    access: { roles: OPS, scope: 'accounts:read' },
    params: idParamsSchema,
    responses: { 200: { description: 'the account', schema: accountSchema }, 404: { description: 'no such account', schema: problemSchema } },
    async handler({ params }) {
      const account = await models.Account.findById(params.id).lean();
      if (!account) throw notFound(`No account ${params.id}`);
      const state = await temporal.workflow
        .getHandle(workflowIds.accountOnboarding(params.id))
        .query(onboardingStateQuery)
        .catch(() => null);
      return {
        id: account._id,
        name: account.name,
        status: account.status,
        onboarding: { status: account.onboarding?.status, state },
        createdAt: account.createdAt.toISOString(),
        cancellation: {
          graceDays: config.cancellation.graceDays,
          ...(account.cancellation?.requestedAt ? { requestedAt: account.cancellation.requestedAt.toISOString() } : {}),
          ...(account.cancellation?.purgeAt ? { purgeAt: account.cancellation.purgeAt.toISOString() } : {}),
          ...(account.cancellation?.certificateId ? { certificateId: account.cancellation.certificateId } : {}),
        },
      };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/accounts/:id/owner-signed-in',
    summary: 'The CRM reports the owner’s first sign-in (completes onboarding)',
    tag: 'accounts',
    access: { roles: OPS, scope: 'accounts:write' },
    params: idParamsSchema,
    responses: { 202: { description: 'recorded' }, 404: { description: 'no onboarding running', schema: problemSchema } },
    async handler({ params, res }) {
      try {
        await temporal.workflow.getHandle(workflowIds.accountOnboarding(params.id)).signal(ownerSignedInSignal);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw notFound(`No onboarding is running for ${params.id}`);
        throw err;
      }
      res.status(202).json({ accountId: params.id });
    },
  }),
];
