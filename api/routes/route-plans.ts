/**
 * A region's planning day (workflows/daily-route-planning.ts): started by the hourly morning trigger, or here on
 * demand; followed through its query; approved (the version the dispatcher saw) or re-planned.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { problemSchema } from '../../schemas/common.ts';
import { accountOnlyParamsSchema, approvePlanBodySchema, mapSettingsSchema, planningDayParamsSchema, planVersionParamsSchema, planVersionSchema, startPlanningBodySchema } from '../../schemas/route-plans.ts';
import { approvePlanUpdate, planningStateQuery, replanUpdate, type dailyRoutePlanning } from '../../workflows/daily-route-planning.ts';
import { planningDay, regionsWithZones } from '../../lib/field/planning-day.ts';
import { accountIdKey, planDateKey, regionKey } from '../../lib/search-attributes.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import type { ApiDeps } from '../deps.ts';
import { actorOf } from '../audit-actor.ts';
import { HttpProblem, notFound } from '../problem.ts';
import { defineRoute } from './registry.ts';

const STAFF = ['ops', 'engineer', 'admin'] as const;
const OPS = ['ops', 'admin'] as const;

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : undefined);

/** The stored version as the console reads it (the geometry decrypted by the model; jobs and technicians by ID). */
type Instant = Date | null | undefined;
interface StoredPlan {
  _id: string;
  accountId: string;
  region: string;
  date: string;
  version: number;
  status: string;
  estimated: boolean;
  routes: { technicianId: string; departure?: Instant; arrival?: Instant; distanceMeters: number; durationSeconds: number; stops: { jobId: string; arrival: Date; start: Date; departure: Date; waitSeconds?: number | null; fixed?: boolean | null }[] }[];
  unassigned: { jobId?: string | null; reason?: string | null }[];
  geometry?: unknown;
  totals?: Record<string, number | null | undefined> | null;
  technicians?: number | null;
  unplaceablePoints?: number | null;
  approvedBy?: string | null;
  approvedAt?: Instant;
  createdAt?: Instant;
}

function planVersionOut(p: StoredPlan) {
  const geometry = p.geometry as { format?: string; routes?: Record<string, string> } | null | undefined;
  return {
    planId: p._id,
    accountId: p.accountId,
    region: p.region,
    date: p.date,
    version: p.version,
    status: p.status,
    estimated: p.estimated,
    routes: p.routes.map((r) => ({
      technicianId: r.technicianId,
      departure: iso(r.departure),
      arrival: iso(r.arrival),
      distanceMeters: r.distanceMeters,
      durationSeconds: r.durationSeconds,
      stops: r.stops.map((s) => ({ jobId: s.jobId, arrival: iso(s.arrival)!, start: iso(s.start)!, departure: iso(s.departure)!, waitSeconds: s.waitSeconds ?? 0, fixed: s.fixed ?? false })),
    })),
    unassigned: p.unassigned.map((u) => ({ jobId: u.jobId ?? '', reason: u.reason ?? '' })),
    geometry: geometry?.routes ? { format: geometry.format ?? 'polyline5', routes: geometry.routes } : null,
    totals: p.totals ?? {},
    technicians: p.technicians ?? undefined,
    unplaceablePoints: p.unplaceablePoints ?? 0,
    approvedBy: p.approvedBy ?? undefined,
    approvedAt: iso(p.approvedAt),
    createdAt: iso(p.createdAt)!,
  };
}

export const routePlanRoutes = ({ models, temporal, config }: ApiDeps) => {
  const audit = createAuditLog(models.AuditEntry);
  const handleOf = (p: { accountId: string; region: string; date: string }) =>
    temporal.workflow.getHandle<typeof dailyRoutePlanning>(workflowIds.dailyRoutePlanning(p.accountId, p.region, p.date));
  /** The workflow's refusals (validators) and a day not running become problems. */
  const asked = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound('No planning day running for this region and date');
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) throw new HttpProblem(409, err.cause.type ?? 'refused', 'Conflict', err.cause.message);
      throw err;
    }
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/accounts/:accountId/route-plans',
      summary: 'Start a region’s planning day now (the morning trigger does it at PLANNING_LOCAL_TIME); joins one already running',
      tag: 'field',
      access: { roles: OPS, scope: 'field:write' },
      params: accountOnlyParamsSchema,
      body: startPlanningBodySchema,
      responses: { 202: { description: 'the planning day' }, 404: { description: 'no active technician in this region', schema: problemSchema } },
      async handler({ params, body, principal, res }) {
        const [region] = await regionsWithZones(models, { accountId: params.accountId, region: body.region });
        if (!region) throw notFound(`No active technician in region ${body.region}`);
        const day = planningDay(region, body.date, config.planning);
        const handle = await temporal.workflow.start<typeof dailyRoutePlanning>('dailyRoutePlanning', {
          taskQueue: config.temporal.taskQueue,
          workflowId: workflowIds.dailyRoutePlanning(params.accountId, body.region, body.date),
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [{ accountId: params.accountId, region: body.region, date: body.date, approvalCutoffAt: day.approvalCutoffAt, dayEndAt: day.dayEndAt }],
          typedSearchAttributes: [
            { key: accountIdKey, value: params.accountId },
            { key: regionKey, value: body.region },
            { key: planDateKey, value: body.date },
          ],
        });
        await audit.append({ actor: actorOf(principal), action: 'route-planning.started', target: { type: 'route-plan', id: `${body.region}/${body.date}` }, details: { accountId: params.accountId, workflowId: handle.workflowId } });
        res.status(202).json({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId, timeZone: day.timeZone, approvalCutoffAt: day.approvalCutoffAt, dayEndAt: day.dayEndAt });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/accounts/:accountId/route-plans/:region/:date',
      summary: 'A planning day: phase, current version with its figures, why each version was made, the day’s close',
      tag: 'field',
      access: { roles: STAFF, scope: 'field:read' },
      params: planningDayParamsSchema,
      responses: { 200: { description: 'the state' }, 404: { description: 'no planning day', schema: problemSchema } },
      async handler({ params }) {
        return asked(() => handleOf(params).query(planningStateQuery));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/accounts/:accountId/route-plans/:region/:date/versions/:version',
      summary: 'One stored version of the day’s plan: each technician’s stops with their times, the unassigned jobs with the solver’s reason, the drawn routes',
      tag: 'field',
      access: { roles: STAFF, scope: 'field:read' },
      params: planVersionParamsSchema,
      responses: { 200: { description: 'the plan version', schema: planVersionSchema }, 404: { description: 'no such version', schema: problemSchema } },
      async handler({ params }) {
        const plan = await models.RoutePlan.findOne({ accountId: params.accountId, region: params.region, date: params.date, version: params.version }).lean();
        if (!plan) throw notFound(`No version ${params.version} of the plan for ${params.region} on ${params.date}`);
        return planVersionOut(plan);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/field/map-settings',
      summary: 'How the console draws its field map: the tile URL template (MAP_TILE_URL), or null for a map without tiles',
      tag: 'field',
      access: { roles: STAFF },
      responses: { 200: { description: 'the settings', schema: mapSettingsSchema } },
      handler: () => ({ tileUrl: config.map?.tileUrl ?? null }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/accounts/:accountId/route-plans/:region/:date/approve',
      summary: 'Approve the draft plan (the version reviewed) before the cutoff: it is published and the technicians told',
      tag: 'field',
      access: { roles: OPS },
      params: planningDayParamsSchema,
      body: approvePlanBodySchema,
      responses: { 200: { description: 'approved' }, 409: { description: 'not awaiting approval, or a newer draft exists', schema: problemSchema } },
      async handler({ params, body, principal }) {
        const by = actorOf(principal).id ?? 'unknown';
        const result = await asked(() => handleOf(params).executeUpdate(approvePlanUpdate, { args: [{ by, version: body.version }] }));
        await audit.append({ actor: actorOf(principal), action: 'route-planning.approved', target: { type: 'route-plan', id: `${params.region}/${params.date}` }, details: { accountId: params.accountId, version: body.version } });
        return result;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/accounts/:accountId/route-plans/:region/:date/replan',
      summary: 'Plan again now (kept: done and in-progress stops); during the day the new plan is published at once',
      tag: 'field',
      access: { roles: OPS },
      params: planningDayParamsSchema,
      responses: { 200: { description: 'the new version' }, 409: { description: 'the day is closed', schema: problemSchema } },
      async handler({ params, principal }) {
        const by = actorOf(principal).id ?? 'unknown';
        return asked(() => handleOf(params).executeUpdate(replanUpdate, { args: [{ by }] }));
      },
    }),
  ];
};
