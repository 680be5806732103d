import type { ApiDeps } from '../deps.ts';
import { unavailable } from '../problem.ts';
import { defineRoute } from './registry.ts';

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);

export const healthRoutes = ({ temporal, mongo, config }: ApiDeps) => [
  defineRoute({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process is up',
    tag: 'health',
    access: { roles: 'public' },
    responses: { 200: { description: 'alive' } },
    handler: () => ({ status: 'ok' }),
  }),
  defineRoute({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: Temporal and MongoDB answer',
    tag: 'health',
    access: { roles: 'public' },
    responses: { 200: { description: 'ready' }, 503: { description: 'a dependency does not answer' } },
    async handler() {
      const checks = await Promise.allSettled([
        withTimeout(temporal.workflowService.describeNamespace({ namespace: config.temporal.namespace }), 2000),
        withTimeout(mongo.db!.admin().ping(), 2000),
      ]);
      const [t, m] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : `failing: ${(c.reason as Error).message}`));
      if (t !== 'ok' || m !== 'ok') throw unavailable(`temporal: ${t}; mongodb: ${m}`);
      return { status: 'ready', temporal: t, mongodb: m };
    },
  }),
];
