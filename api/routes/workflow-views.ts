/**
 * Saved views of the workflow list, shared by the team: anyone who may read the list sees them all; ops, engineers
 * and admins save them; the one who saved a view, or an admin, deletes it. Creating and deleting are audited (view
 * ID and name, the filters' keys — the filters themselves are IDs and codes, kept with the view).
 */
import { problemSchema } from '../../schemas/common.ts';
import { createWorkflowViewBodySchema, workflowViewListSchema, workflowViewParamsSchema, workflowViewSchema } from '../../schemas/workflow-views.ts';
import type { WorkflowListFilters, WorkflowView } from '../../contracts/workflow-list.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { isDuplicateKeyError } from '../../lib/mongo.ts';
import { newId } from '../../models/ids.ts';
import type { WorkflowViewDoc } from '../../models/workflow-view.ts';
import { actorOf } from '../audit-actor.ts';
import type { ApiDeps } from '../deps.ts';
import { conflict, forbidden, notFound } from '../problem.ts';
import { checkFilters } from '../workflow-query.ts';
import { defineRoute } from './registry.ts';

/** Listing is bounded: views are a team's handful, not a data set. */
const MAX_VIEWS = 500;

const toView = (d: WorkflowViewDoc & { _id: string }): WorkflowView => ({
  id: d._id,
  name: d.name,
  filters: Object.fromEntries(Object.entries(d.filters ?? {}).filter(([, v]) => typeof v === 'string' && v)) as WorkflowListFilters,
  createdBy: d.createdBy,
  createdAt: d.createdAt.toISOString(),
});

export const workflowViewRoutes = ({ models }: ApiDeps) => {
  const audit = createAuditLog(models.AuditEntry);
  return [
    defineRoute({
      method: 'get',
      path: '/api/workflow-views',
      summary: 'The saved views of the workflow list, shared by the team, by name',
      tag: 'workflows',
      access: { roles: ['ops', 'engineer', 'admin'], scope: 'workflows:read' },
      responses: { 200: { description: 'every saved view', schema: workflowViewListSchema } },
      async handler({ res }) {
        const docs = await models.WorkflowView.find().sort({ name: 1 }).limit(MAX_VIEWS).lean<(WorkflowViewDoc & { _id: string })[]>();
        res.set('cache-control', 'no-store');
        return { views: docs.map(toView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/workflow-views',
      summary: 'Save the list’s filters as a named view for the whole team (audited)',
      tag: 'workflows',
      access: { roles: ['ops', 'engineer', 'admin'] },
      body: createWorkflowViewBodySchema,
      responses: {
        201: { description: 'saved', schema: workflowViewSchema },
        400: { description: 'bad name or filters (every failing field listed)', schema: problemSchema },
        409: { description: 'a view of that name exists', schema: problemSchema },
      },
      async handler({ body, principal, res }) {
        checkFilters(body.filters, 'body/filters');
        const userId = principal?.kind === 'user' ? principal.user.id : '';
        const doc = { _id: newId('wfv'), name: body.name.trim(), filters: body.filters, createdBy: userId, createdAt: new Date() };
        try {
          await models.WorkflowView.create(doc);
        } catch (err) {
          if (isDuplicateKeyError(err)) throw conflict(`A view named "${doc.name}" exists already`);
          throw err;
        }
        await audit.append({
          actor: actorOf(principal),
          action: 'workflow-view.created',
          target: { type: 'workflow-view', id: doc._id },
          details: { name: doc.name, filters: Object.keys(body.filters) },
        });
        res.status(201);
        return toView(doc);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/workflow-views/:id',
      summary: 'Delete a saved view: whoever saved it, or an admin (audited)',
      tag: 'workflows',
      access: { roles: ['ops', 'engineer', 'admin'] },
      params: workflowViewParamsSchema,
      responses: {
        204: { description: 'deleted' },
        403: { description: 'someone else’s view, and the caller is no admin', schema: problemSchema },
        404: { description: 'no such view', schema: problemSchema },
      },
      async handler({ params, principal, res }) {
        const view = await models.WorkflowView.findById(params.id).lean<WorkflowViewDoc & { _id: string }>();
        if (!view) throw notFound(`No saved view ${params.id}`);
        const user = principal?.kind === 'user' ? principal.user : null;
        if (!user || (view.createdBy !== user.id && !user.roles.includes('admin'))) {
          throw forbidden('Only whoever saved this view, or an admin, may delete it');
        }
        await models.WorkflowView.deleteOne({ _id: view._id });
        await audit.append({
          actor: actorOf(principal),
          action: 'workflow-view.deleted',
          target: { type: 'workflow-view', id: view._id },
          details: { name: view.name, createdBy: view.createdBy },
        });
        res.status(204).end();
      },
    }),
  ];
};
