/** A person's erasure on request (a lead or a technician asks to be forgotten), and its progress. */
import { WorkflowNotFoundError } from '@temporalio/client';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { problemSchema } from '../../schemas/common.ts';
import { accountIdParamsSchema, erasureBodySchema, erasureParamsSchema } from '../../schemas/cancellation.ts';
import { personErasureStateQuery, type personErasure } from '../../workflows/person-erasure.ts';
import { accountIdKey } from '../../lib/search-attributes.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import type { ApiDeps } from '../deps.ts';
import { actorOf } from '../audit-actor.ts';
import { HttpProblem, notFound } from '../problem.ts';
import { defineRoute } from './registry.ts';

export const erasureRoutes = ({ models, temporal, config }: ApiDeps) => {
  const audit = createAuditLog(models.AuditEntry);
  const personExists = (accountId: string, type: 'lead' | 'technician', id: string) =>
    type === 'lead' ? models.Lead.exists({ _id: id, accountId }) : models.Technician.exists({ _id: id, accountId });

  return [
    defineRoute({
      method: 'post',
      path: '/api/accounts/:id/erasures',
      summary: 'Erase a person’s data on their request (legal holds on the person or the account suspend it); a deletion certificate follows',
      tag: 'cancellation',
      access: { roles: ['ops', 'admin'] },
      params: accountIdParamsSchema,
      body: erasureBodySchema,
      responses: {
        202: { description: 'the erasure (started now or already under way)' },
        404: { description: 'no such person in this account', schema: problemSchema },
        409: { description: 'the person was already erased', schema: problemSchema },
      },
      async handler({ params, body, principal, req, res }) {
        const actor = actorOf(principal);
        const target = { type: body.personType, id: body.personId };
        const workflowId = workflowIds.personErasure(params.id, body.personType, body.personId);
        const refuse = async (problem: HttpProblem) => {
          await audit.append({ actor, action: 'person.erasure.refused', target, details: { accountId: params.id, reason: problem.slug } });
          throw problem;
        };
        if (!(await personExists(params.id, body.personType, body.personId))) {
          const erased = await models.DeletionCertificate.exists({ accountId: params.id, 'subject.id': body.personId });
          // A retry of a request under way finds the running workflow below even though the person is gone.
          const running = await temporal.workflow.getHandle(workflowId).describe().then((d) => d.status.name === 'RUNNING', () => false);
          if (!running) return refuse(erased ? new HttpProblem(409, 'already-erased', 'Conflict', `${body.personType} ${body.personId} was already erased`) : notFound(`No ${body.personType} ${body.personId} in account ${params.id}`));
        }
        const handle = await temporal.workflow.start<typeof personErasure>('personErasure', {
          taskQueue: config.temporal.taskQueue,
          workflowId,
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [{ accountId: params.id, person: { type: body.personType, id: body.personId }, requestedBy: actor.id ?? 'unknown' }],
          typedSearchAttributes: [{ key: accountIdKey, value: params.id }],
        });
        await audit.append({ actor, action: 'person.erasure.requested', target, details: { accountId: params.id, workflowId } });
        req.log.info({ accountId: params.id, workflowId, runId: handle.firstExecutionRunId }, 'person erasure requested');
        res.status(202).json({ workflowId, runId: handle.firstExecutionRunId });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/accounts/:id/erasures/:personType/:personId',
      summary: 'Progress of a person’s erasure: held, erasing or erased (with its certificate)',
      tag: 'cancellation',
      access: { roles: ['ops', 'engineer', 'admin'] },
      params: erasureParamsSchema,
      responses: { 200: { description: 'the state' }, 404: { description: 'no erasure of this person', schema: problemSchema } },
      async handler({ params }) {
        try {
          return await temporal.workflow.getHandle(workflowIds.personErasure(params.id, params.personType, params.personId)).query(personErasureStateQuery);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) throw notFound(`No erasure of ${params.personType} ${params.personId}`);
          throw err;
        }
      },
    }),
  ];
};
