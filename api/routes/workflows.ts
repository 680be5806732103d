import { listWorkflowsQuerySchema, workflowPageSchema } from '../../schemas/workflows.ts';
import { problemSchema } from '../../schemas/common.ts';
import type { ApiDeps } from '../deps.ts';
import { toSummary, STATUS_QUERY_VALUE } from '../workflow-summaries.ts';
import { defineRoute } from './registry.ts';

export const workflowRoutes = ({ temporal, config }: ApiDeps) => [
  defineRoute({
    method: 'get',
    path: '/api/workflows',
    summary: 'Recent workflow executions (Temporal visibility), newest first',
    tag: 'workflows',
    access: { roles: ['ops', 'engineer', 'admin'], scope: 'workflows:read' },
    query: listWorkflowsQuerySchema,
    responses: { 200: { description: 'a page of executions', schema: workflowPageSchema }, 400: { description: 'bad filter', schema: problemSchema } },
    async handler({ query }) {
      // Filter values are schema-checked (type: identifier pattern; status: enum), so they are safe to embed.
      const clauses = [query.type && `WorkflowType = '${query.type}'`, query.status && `ExecutionStatus = '${STATUS_QUERY_VALUE[query.status]}'`].filter(Boolean);
      const res = await temporal.workflowService.listWorkflowExecutions({
        namespace: config.temporal.namespace,
        pageSize: query.pageSize ?? 50,
        nextPageToken: query.nextPageToken ? Buffer.from(query.nextPageToken, 'base64url') : undefined,
        query: clauses.join(' AND '),
      });
      const ui = { baseUrl: config.temporal.uiUrl, namespace: config.temporal.namespace };
      return {
        executions: (res.executions ?? []).map((e) => toSummary(e, ui)),
        nextPageToken: res.nextPageToken?.length ? Buffer.from(res.nextPageToken).toString('base64url') : null,
      };
    },
  }),
];
