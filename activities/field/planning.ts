/**
 * The activities of daily route planning (DailyRoutePlanning workflow). Locations are personal data and must
 * not enter workflow history, so loading the day, building the matrix, solving and storing the plan happen in
 * ONE activity (`planRoutes`): the workflow passes account, region, date and a version number, and gets back the
 * plan's ID and counts. Only IDs and figures cross the activity boundary — in inputs, results, heartbeats and
 * error messages (routing errors name point indexes, never coordinates).
 *
 * - `planRoutes` is idempotent per (account, region, date, version): a retry finds the stored version and returns
 *   its summary. It heartbeats while the matrix arrives and while the solver searches. The solver is synchronous
 *   (pure CPU): heartbeats recorded during a search are sent when it returns, so the workflow's heartbeat timeout
 *   must exceed the search's time limit (`timeLimitMs`, default 10 s) plus the matrix time.
 * - A point OSRM cannot place (NoSegment) does not fail the plan: its row and column become unreachable, and its
 *   jobs come back unassigned as `unreachable`.
 * - `publishPlan` makes one version the published plan of the day (older versions superseded) and assigns its
 *   jobs; `notifyTechnicians` mails each technician with stops their route, once per plan version (mail ledger);
 *   `closePlanningDay` counts planned versus actual at the end of the day.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Models } from '../../models/index.ts';
import type { Mailer } from '../../lib/mailer.ts';
import { newId } from '../../models/ids.ts';
import { isDuplicateKeyError } from '../../lib/mongo.ts';
import { buildPlanningDay, type PlanningJob, type PlanningTechnician } from '../../lib/field/planning-input.ts';
import { OsrmError, type LatLng, type MatrixResult, type RoutingProvider } from '../../routing/providers/index.ts';
import { solve, SolverInputError } from '../../routing/solver/index.ts';
import type { Problem, Solution } from '../../routing/solver/types.ts';
import { sendOnce } from '../notifications/send-once.ts';
import { routePlanTemplate } from '../notifications/route-plan-template.ts';

export interface PlanRoutesOptions {
  /** Re-planning during the day: new stops no earlier than this instant (ISO 8601). */
  notBefore?: string;
  /**
   * Technicians who dropped out (technicianUnavailable): their done and in-progress stops stay, no new ones. Those
   * whose record says so for the day (POST /api/technicians/:id/unavailable, maybe from a time) count too.
   */
  unavailableTechnicianIds?: string[];
  /** The search's wall-clock limit; default 10 s. */
  timeLimitMs?: number;
  /** Iteration limit (deterministic results for a seed); default: none. */
  maxIterations?: number;
  /** Default: the version number, so a version is reproducible. */
  seed?: number;
}

/** What the workflow keeps: IDs and figures only. */
export interface PlanSummary {
  planId: string;
  version: number;
  assigned: number;
  unassigned: number;
  /** True when durations came from the great-circle estimate (no OSRM configured). */
  estimated: boolean;
  technicians: number;
  /** Technicians with at least one stop. */
  techniciansUsed: number;
  totals: { distanceMeters: number; durationSeconds: number; travelSeconds: number; serviceSeconds: number; waitingSeconds: number };
  /** Points OSRM could not place on the road network (their jobs are unassigned as unreachable). */
  unplaceablePoints: number;
}

export interface PublishResult {
  planId: string;
  version: number;
  status: 'published';
  technicianIds: string[];
  supersededVersions: number[];
}

export interface NotifyResult {
  sent: number;
  alreadySent: number;
  /** Technicians with stops but no email address on file. */
  withoutEmail: number;
}

/** Planned versus actual at the end of the day, for the plan's stops (counts and minutes only). */
export interface DayFigures {
  plannedStops: number;
  completed: number;
  inProgress: number;
  notDone: number;
  cancelled: number;
  /** Mean minutes between planned and actual start of the completed stops (positive = late). */
  meanStartDeviationMinutes: number | null;
}

export interface PlanningActivityDeps {
  models: Models;
  mailer: Mailer;
  routing: RoutingProvider;
  /** Default search time limit (ms). */
  planningTimeLimitMs?: number;
}

/** How many unplaceable points one plan tolerates before giving up (a wrong OSRM extract, not a few bad addresses). */
const MAX_UNPLACEABLE = 25;

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

function summaryOf(plan: { _id: string; version: number; estimated: boolean; routes: { stops: unknown[] }[]; unassigned: unknown[]; totals?: unknown; technicians?: number | null; unplaceablePoints?: number | null }): PlanSummary {
  const totals = (plan.totals ?? {}) as Partial<PlanSummary['totals']>;
  return {
    planId: plan._id,
    version: plan.version,
    assigned: plan.routes.reduce((n, r) => n + r.stops.length, 0),
    unassigned: plan.unassigned.length,
    estimated: plan.estimated,
    technicians: plan.technicians ?? plan.routes.length,
    techniciansUsed: plan.routes.filter((r) => r.stops.length > 0).length,
    totals: {
      distanceMeters: totals.distanceMeters ?? 0,
      durationSeconds: totals.durationSeconds ?? 0,
      travelSeconds: totals.travelSeconds ?? 0,
      serviceSeconds: totals.serviceSeconds ?? 0,
      waitingSeconds: totals.waitingSeconds ?? 0,
    },
    unplaceablePoints: plan.unplaceablePoints ?? 0,
  };
}

/**
 * The matrix over `points`; points OSRM cannot place are taken out one by one (their cells stay null) so the rest
 * of the day can still be planned.
 */
async function matrixWithout(routing: RoutingProvider, points: LatLng[], ctx: Context | undefined): Promise<MatrixResult & { unplaceable: number[] }> {
  const unplaceable: number[] = [];
  for (;;) {
    const kept = points.map((_, i) => i).filter((i) => !unplaceable.includes(i));
    try {
      const m = await routing.matrix(
        kept.map((i) => points[i]!),
        { signal: ctx?.cancellationSignal, onProgress: (p) => ctx?.heartbeat({ phase: 'matrix', ...p }) },
      );
      if (!unplaceable.length) return { ...m, unplaceable };
      const n = points.length;
      const durations: (number | null)[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : null)));
      const distances: (number | null)[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : null)));
      kept.forEach((i, a) =>
        kept.forEach((j, b) => {
          durations[i]![j] = m.durations[a]![b]!;
          distances[i]![j] = m.distances[a]![b]!;
        }),
      );
      return { durations, distances, estimated: m.estimated, unplaceable };
    } catch (err) {
      if (!(err instanceof OsrmError && err.code === 'NoSegment' && err.pointIndex !== undefined) || unplaceable.length >= MAX_UNPLACEABLE) throw err;
      unplaceable.push(kept[err.pointIndex]!);
    }
  }
}

export function createPlanningActivities({ models, mailer, routing, planningTimeLimitMs }: PlanningActivityDeps) {
  return {
    /** Loads the day, builds the matrix, solves and stores the plan as version `version`; returns IDs and figures. */
    async planRoutes(accountId: string, region: string, date: string, version: number, options: PlanRoutesOptions = {}): Promise<PlanSummary> {
      const existing = await models.RoutePlan.findOne({ accountId, region, date, version }).lean();
      if (existing) return summaryOf(existing);
      const ctx = activityContext();
      ctx?.heartbeat({ phase: 'load' });

      const [technicians, jobs] = await Promise.all([
        models.Technician.find({ accountId, region, active: true }, { accountId: 1, startLocation: 1, endLocation: 1, skills: 1, shift: 1, unavailable: 1 }).lean(),
        models.Job.find({ accountId, region, date, status: { $ne: 'cancelled' } }).lean(),
      ]);
      // Who dropped out: the workflow's signals, and what the technicians' records say (with the time, if given).
      const unavailable = new Set(options.unavailableTechnicianIds ?? []);
      const unavailableFrom: Record<string, Date> = {};
      for (const tech of technicians) {
        const entry = tech.unavailable?.find((u) => u.date === date);
        if (!entry) continue;
        unavailable.add(tech._id);
        if (entry.from) unavailableFrom[tech._id] = entry.from;
      }
      const day = buildPlanningDay({
        date,
        technicians: technicians as unknown as PlanningTechnician[],
        jobs: jobs as unknown as PlanningJob[],
        notBefore: options.notBefore ? new Date(options.notBefore) : undefined,
        unavailable: [...unavailable],
        unavailableFrom,
      });

      let matrix: MatrixResult & { unplaceable: number[] };
      try {
        matrix = await matrixWithout(routing, day.points, ctx);
      } catch (err) {
        // OSRM's own refusals (InvalidQuery, TooBig at 1×1, …) do not change on a retry.
        if (err instanceof OsrmError) throw ApplicationFailure.create({ type: 'RoutingError', message: err.message, nonRetryable: true });
        throw err;
      }

      const problem: Problem = { ...day.problem, durations: matrix.durations, distances: matrix.distances };
      let solution: Solution;
      if (problem.vehicles.length === 0 && problem.jobs.length === 0) {
        solution = { routes: [], unassigned: [], totals: { distance: 0, duration: 0, travelDuration: 0, service: 0, waiting: 0, vehiclesUsed: 0, assigned: 0, unassigned: 0 }, cost: 0, stats: { seed: 0, iterations: 0, elapsedMs: 0, constructionCost: 0, improvements: 0 } };
      } else {
        ctx?.heartbeat({ phase: 'solve', iteration: 0, elapsedMs: 0 });
        try {
          solution = solve(problem, {
            objective: 'duration',
            seed: options.seed ?? version,
            timeLimitMs: options.timeLimitMs ?? planningTimeLimitMs ?? 10_000,
            maxIterations: options.maxIterations,
            onProgress: (p) => ctx?.heartbeat({ phase: 'solve', iteration: p.iteration, elapsedMs: Math.round(p.elapsedMs) }),
          });
        } catch (err) {
          // The same input fails the same way on every attempt (its message names indexes, not places).
          if (err instanceof SolverInputError) throw ApplicationFailure.create({ type: 'SolverInputError', message: err.message, nonRetryable: true });
          throw err;
        }
      }

      // The drawn routes (personal data: they trace customers' sites), one polyline per technician.
      ctx?.heartbeat({ phase: 'geometry' });
      const geometry: Record<string, string> = {};
      const vehicles = new Map(problem.vehicles.map((v) => [v.id, v]));
      for (const route of solution.routes) {
        if (!route.stops.length) continue;
        const v = vehicles.get(route.vehicleId)!;
        const path = [v.start, ...route.stops.map((s) => s.location), ...(v.end === undefined ? [] : [v.end])].map((i) => day.points[i]!);
        geometry[route.vehicleId] = (await routing.route(path, { signal: ctx?.cancellationSignal })).geometry;
      }

      const at = (t: number) => new Date(day.baseMs + Math.round(t * 1000));
      const plan = {
        _id: newId('pln'),
        accountId,
        region,
        date,
        version,
        status: 'draft' as const,
        estimated: matrix.estimated,
        routes: solution.routes.map((r) => ({
          technicianId: r.vehicleId,
          departure: at(r.departure),
          arrival: at(r.arrival),
          stops: r.stops.map((s) => ({ jobId: s.jobId, arrival: at(s.arrival), start: at(s.start), departure: at(s.departure), waitSeconds: Math.round(s.waiting), fixed: s.fixed })),
          distanceMeters: Math.round(r.totals.distance),
          durationSeconds: Math.round(r.totals.duration),
        })),
        unassigned: [...solution.unassigned.map((u) => ({ jobId: u.jobId, reason: u.reason })), ...day.skipped],
        geometry: { format: 'polyline5', routes: geometry },
        totals: {
          distanceMeters: Math.round(solution.totals.distance),
          durationSeconds: Math.round(solution.totals.duration),
          travelSeconds: Math.round(solution.totals.travelDuration),
          serviceSeconds: Math.round(solution.totals.service),
          waitingSeconds: Math.round(solution.totals.waiting),
        },
        technicians: problem.vehicles.length,
        unplaceablePoints: matrix.unplaceable.length,
        workflowId: ctx?.info.workflowExecution?.workflowId,
      };
      try {
        await models.RoutePlan.create(plan);
      } catch (err) {
        // A concurrent attempt stored this version first: that one is the plan.
        if (!isDuplicateKeyError(err)) throw err;
        const stored = await models.RoutePlan.findOne({ accountId, region, date, version }).lean();
        if (stored) return summaryOf(stored);
        throw err;
      }
      return summaryOf(plan);
    },

    /** Makes `planId` the day's published plan: older versions superseded, its jobs assigned (idempotent). */
    async publishPlan(planId: string, approval: { approvedBy?: string } = {}): Promise<PublishResult> {
      const plan = await models.RoutePlan.findById(planId, { geometry: 0 }).lean();
      if (!plan) throw ApplicationFailure.create({ type: 'PlanNotFound', message: `route plan ${planId} does not exist`, nonRetryable: true });
      if (plan.status === 'superseded') throw ApplicationFailure.create({ type: 'PlanSuperseded', message: `route plan ${planId} (version ${plan.version}) was superseded by a later version`, nonRetryable: true });
      const day = { accountId: plan.accountId, region: plan.region, date: plan.date };
      const older = await models.RoutePlan.find({ ...day, version: { $lt: plan.version }, status: { $ne: 'superseded' } }, { version: 1 }).lean();
      if (older.length) await models.RoutePlan.updateMany({ _id: { $in: older.map((p) => p._id) } }, { $set: { status: 'superseded' } });
      // Jobs follow the plan: assigned ones are planned on their technician, the others open again. Work already
      // begun (in progress, done) keeps its status.
      for (const route of plan.routes) {
        const ids = route.stops.map((s) => s.jobId);
        if (ids.length) await models.Job.updateMany({ _id: { $in: ids }, status: { $in: ['open', 'planned'] } }, { $set: { status: 'planned', technicianId: route.technicianId } });
      }
      const unassigned = plan.unassigned.map((u) => u.jobId).filter((id): id is string => Boolean(id));
      if (unassigned.length) await models.Job.updateMany({ _id: { $in: unassigned }, status: 'planned' }, { $set: { status: 'open' }, $unset: { technicianId: 1 } });
      const set: Record<string, unknown> = { status: 'published' };
      if (approval.approvedBy && !plan.approvedBy) Object.assign(set, { approvedBy: approval.approvedBy, approvedAt: new Date() });
      if (plan.status !== 'published' || set.approvedBy) await models.RoutePlan.updateOne({ _id: planId }, { $set: set });
      return {
        planId,
        version: plan.version,
        status: 'published',
        technicianIds: plan.routes.filter((r) => r.stops.length > 0).map((r) => r.technicianId),
        supersededVersions: older.map((p) => p.version).sort((a, b) => a - b),
      };
    },

    /** Closes the day: the plan's stops against what the jobs say happened. */
    async closePlanningDay(planId: string): Promise<DayFigures> {
      const plan = await models.RoutePlan.findById(planId, { geometry: 0 }).lean();
      if (!plan) throw ApplicationFailure.create({ type: 'PlanNotFound', message: `route plan ${planId} does not exist`, nonRetryable: true });
      const stops = plan.routes.flatMap((r) => r.stops);
      const jobs = new Map((await models.Job.find({ _id: { $in: stops.map((s) => s.jobId) } }, { status: 1, startedAt: 1 }).lean()).map((j) => [j._id, j]));
      const figures: DayFigures = { plannedStops: stops.length, completed: 0, inProgress: 0, notDone: 0, cancelled: 0, meanStartDeviationMinutes: null };
      const deviations: number[] = [];
      for (const stop of stops) {
        const job = jobs.get(stop.jobId);
        if (job?.status === 'done') {
          figures.completed++;
          if (job.startedAt) deviations.push((job.startedAt.getTime() - stop.start.getTime()) / 60_000);
        } else if (job?.status === 'in-progress') figures.inProgress++;
        else if (job?.status === 'cancelled') figures.cancelled++;
        else figures.notDone++;
      }
      if (deviations.length) figures.meanStartDeviationMinutes = Math.round((deviations.reduce((a, b) => a + b, 0) / deviations.length) * 10) / 10;
      return figures;
    },

    /** Mails each technician with stops their route of this plan version, once (ledger key: plan ID + technician). */
    async notifyTechnicians(planId: string): Promise<NotifyResult> {
      const plan = await models.RoutePlan.findById(planId, { geometry: 0 }).lean();
      if (!plan) throw ApplicationFailure.create({ type: 'PlanNotFound', message: `route plan ${planId} does not exist`, nonRetryable: true });
      const routes = plan.routes.filter((r) => r.stops.length > 0);
      const technicians = new Map((await models.Technician.find({ _id: { $in: routes.map((r) => r.technicianId) } }, { accountId: 1, name: 1, email: 1, shift: 1 }).lean()).map((t) => [t._id, t]));
      const jobs = new Map(
        (await models.Job.find({ _id: { $in: routes.flatMap((r) => r.stops.map((s) => s.jobId)) } }, { accountId: 1, customer: 1, location: 1, serviceMinutes: 1 }).lean()).map((j) => [j._id, j]),
      );
      const result: NotifyResult = { sent: 0, alreadySent: 0, withoutEmail: 0 };
      for (const route of routes) {
        const tech = technicians.get(route.technicianId);
        if (!tech?.email) {
          result.withoutEmail++;
          continue;
        }
        const { subject, text } = routePlanTemplate({
          technicianName: tech.name,
          date: plan.date,
          version: plan.version,
          timeZone: tech.shift.timeZone,
          estimated: plan.estimated,
          stops: route.stops.map((s) => {
            const job = jobs.get(s.jobId);
            const location = job?.location as { label?: string; lat: number; lng: number } | undefined;
            return { start: s.start, customer: job?.customer?.name ?? s.jobId, place: location ? (location.label ?? `${location.lat}, ${location.lng}`) : '', serviceMinutes: job?.serviceMinutes ?? 0 };
          }),
        });
        const sent = await sendOnce(models, mailer, { key: `route-plan:${plan._id}:${route.technicianId}`, accountId: plan.accountId, kind: 'route-plan.published', to: tech.email, subject, text });
        if (sent.alreadySent) result.alreadySent++;
        else result.sent++;
        activityContext()?.heartbeat({ phase: 'notify', done: result.sent + result.alreadySent });
      }
      return result;
    },
  };
}
