/**
 * Usage data from the CRM front end: batches of raw events in (stored as they are, one insert: lib/usage/ingest.ts),
 * daily aggregates out — computed by the roll-up (lib/usage/roll-up.ts), so they are as fresh as `rolledUpThrough`.
 */
import { problemSchema } from '../../schemas/common.ts';
import { usageBatchBodySchema, usageDailyQuerySchema, usageIngestResponseSchema, usageRollUpBodySchema } from '../../schemas/usage.ts';
import { createUsageIngest } from '../../lib/usage/ingest.ts';
import { createUsageRollUp } from '../../lib/usage/roll-up.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import type { usageRollUp } from '../../workflows/usage-roll-up.ts';
import type { ApiDeps } from '../deps.ts';
import { badRequest } from '../problem.ts';
import { defineRoute } from './registry.ts';

const STAFF = ['ops', 'engineer', 'admin'] as const;
const DAILY_LIMIT = 10_000;

const ROLL_UP_MAX_DAYS = 31;

export const usageRoutes = ({ models, temporal, config }: ApiDeps) => {
  const usage = createUsageIngest(models, { retentionDays: config.usageRetentionDays });
  const rollUp = createUsageRollUp(models);
  return [
    defineRoute({
      method: 'post',
      path: '/api/usage-events',
      summary: 'Ingest a batch of up to 1,000 usage events: good ones stored, bad ones reported by index; a retried event (same `id`, or same content) counts once',
      tag: 'usage',
      access: { roles: ['admin'], scope: 'usage:write' },
      body: usageBatchBodySchema,
      responses: {
        202: { description: 'every event accepted', schema: usageIngestResponseSchema },
        207: { description: 'some events accepted; the rejected ones listed with every failing field', schema: usageIngestResponseSchema },
        400: { description: 'the envelope is invalid or every event is', schema: problemSchema },
      },
      async handler({ body, res }) {
        const { accepted, duplicates, rejected } = await usage.ingest(body.events);
        if (accepted === 0) throw badRequest(rejected.flatMap((r) => r.errors));
        res.status(rejected.length ? 207 : 202).json({ accepted, duplicates, rejected });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/usage/daily',
      summary: 'Daily usage counts of an account (UTC days), by page, action, browser, OS and device; every event received before `rolledUpThrough` is counted',
      tag: 'usage',
      access: { roles: STAFF },
      query: usageDailyQuerySchema,
      responses: { 200: { description: 'the aggregates, oldest day first' } },
      async handler({ query }) {
        const day: Record<string, string> = {};
        if (query.from) day.$gte = query.from;
        if (query.to) day.$lte = query.to;
        const filter = { accountId: query.accountId, ...(query.from || query.to ? { day } : {}) };
        const [rows, through] = await Promise.all([models.UsageDaily.find(filter).sort({ day: 1, page: 1, action: 1 }).limit(DAILY_LIMIT).lean(), rollUp.rolledUpThrough()]);
        return {
          accountId: query.accountId,
          rolledUpThrough: through?.toISOString() ?? null,
          days: rows.map((r) => ({ day: r.day, page: r.page, action: r.action, browser: { name: r.browserName, major: r.browserMajor ?? null }, os: { name: r.osName }, device: r.device, count: r.count })),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/usage/roll-up',
      summary: 'Run the usage roll-up now (the `usageRollUp` workflow) and wait for it: the days touched since `rolledUpThrough`, or the whole days from..to',
      tag: 'usage',
      access: { roles: ['engineer', 'admin'] },
      body: usageRollUpBodySchema,
      responses: {
        200: { description: 'the days recomputed and the watermark' },
        400: { description: 'invalid range', schema: problemSchema },
      },
      async handler({ body }) {
        if (Boolean(body.from) !== Boolean(body.to)) throw badRequest([{ path: body.from ? '/body/to' : '/body/from', message: 'must be given with the other end of the range' }]);
        const range = body.from && body.to ? { from: body.from, to: body.to } : undefined;
        if (range) {
          const span = (Date.parse(range.to) - Date.parse(range.from)) / 86_400_000;
          if (span < 0 || span >= ROLL_UP_MAX_DAYS) throw badRequest([{ path: '/body/to', message: `must be from from to ${ROLL_UP_MAX_DAYS - 1} days after it` }]);
        }
        // A second caller while one runs joins it (same ID, USE_EXISTING); the roll-up is idempotent anyway.
        const slot = range ? `on-demand-${range.from}-${range.to}` : 'on-demand';
        return temporal.workflow.execute<typeof usageRollUp>('usageRollUp', {
          taskQueue: config.temporal.taskQueue,
          workflowId: workflowIds.usageRollUp(slot),
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: range ? [range] : [],
        });
      },
    }),
  ];
};
