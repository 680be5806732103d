/** Usage data from the CRM front end: batches of raw events in, daily aggregates out. */
import { problemSchema } from '../../schemas/common.ts';
import { usageBatchBodySchema, usageDailyQuerySchema, usageIngestResponseSchema } from '../../schemas/usage.ts';
import { createUsageIngest } from '../../lib/usage/ingest.ts';
import type { ApiDeps } from '../deps.ts';
import { badRequest } from '../problem.ts';
import { defineRoute } from './registry.ts';

const STAFF = ['ops', 'engineer', 'admin'] as const;
const DAILY_LIMIT = 10_000;

export const usageRoutes = ({ models }: ApiDeps) => {
  const usage = createUsageIngest(models);
  return [
    defineRoute({
      method: 'post',
      path: '/api/usage-events',
      summary: 'Ingest a batch of up to 1,000 usage events: good ones stored, bad ones reported by index',
      tag: 'usage',
      access: { roles: ['admin'], scope: 'usage:write' },
      body: usageBatchBodySchema,
      responses: {
        202: { description: 'every event accepted', schema: usageIngestResponseSchema },
        207: { description: 'some events accepted; the rejected ones listed with every failing field', schema: usageIngestResponseSchema },
        400: { description: 'the envelope is invalid or every event is', schema: problemSchema },
      },
      async handler({ body, res }) {
        const { accepted, rejected } = await usage.ingest(body.events);
        if (accepted === 0) throw badRequest(rejected.flatMap((r) => r.errors));
        res.status(rejected.length ? 207 : 202).json({ accepted, rejected });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/usage/daily',
      summary: 'Daily usage counts of an account (UTC days), by page, action, browser, OS and device',
      tag: 'usage',
      access: { roles: STAFF },
      query: usageDailyQuerySchema,
      responses: { 200: { description: 'the aggregates, oldest day first' } },
      async handler({ query }) {
        const day: Record<string, string> = {};
        if (query.from) day.$gte = query.from;
        if (query.to) day.$lte = query.to;
        const filter = { accountId: query.accountId, ...(query.from || query.to ? { day } : {}) };
        const rows = await models.UsageDaily.find(filter).sort({ day: 1, page: 1, action: 1 }).limit(DAILY_LIMIT).lean();
        return {
          accountId: query.accountId,
          days: rows.map((r) => ({ day: r.day, page: r.page, action: r.action, browser: { name: r.browserName, major: r.browserMajor ?? null }, os: { name: r.osName }, device: r.device, count: r.count })),
        };
      },
    }),
  ];
};
