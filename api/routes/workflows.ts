import { listWorkflowsQuerySchema, workflowPageSchema } from '../../schemas/workflows.ts';
import { problemSchema } from '../../schemas/common.ts';
import type { ApiDeps } from '../deps.ts';
import { toSummary } from '../workflow-summaries.ts';
import { checkFilters, visibilityQuery } from '../workflow-query.ts';
import { defineRoute } from './registry.ts';

export const workflowRoutes = ({ temporal, config }: ApiDeps) => [
  defineRoute({
    method: 'get',
    path: '/api/workflows',
    summary: 'Recent workflow executions (Temporal visibility), newest first; filtered by type, status, start time and the business keys (search attributes)',
    tag: 'workflows',
    access: { roles: ['ops', 'engineer', 'admin'], scope: 'workflows:read' },
    query: listWorkflowsQuerySchema,
    responses: { 200: { description: 'a page of executions', schema: workflowPageSchema }, 400: { description: 'bad filter (every failing field listed)', schema: problemSchema } },
    async handler({ query }) {
      const { pageSize, nextPageToken, ...filters } = query;
      checkFilters(filters, 'query');
      const res = await temporal.workflowService.listWorkflowExecutions({
        namespace: config.temporal.namespace,
        pageSize: pageSize ?? 50,
        nextPageToken: nextPageToken ? Buffer.from(nextPageToken, 'base64url') : undefined,
        query: visibilityQuery(filters),
      });
      const ui = { baseUrl: config.temporal.uiUrl, namespace: config.temporal.namespace };
      return {
        executions: (res.executions ?? []).map((e) => toSummary(e, ui)),
        nextPageToken: res.nextPageToken?.length ? Buffer.from(res.nextPageToken).toString('base64url') : null,
      };
    },
  }),
];
