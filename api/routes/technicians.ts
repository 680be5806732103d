/**
 * Field service master data per customer account: technicians (skills, shift, start and end location) and jobs
 * (customer, location, time windows, service time, skills, priority, status). Ops and admins write, staff read.
 * Personal fields are written through `save()` (the encryption plugin refuses updates that write them).
 */
import type { FromSchema } from 'json-schema-to-ts';
import type { Problem } from '../../contracts/api-types.ts';
import { newId } from '../../models/ids.ts';
import type { Models } from '../../models/index.ts';
import { problemSchema } from '../../schemas/common.ts';
import { technicianParamsSchema } from '../../schemas/field.ts';
import {
  accountParamsSchema,
  createJobBodySchema,
  createTechnicianBodySchema,
  jobListSchema,
  jobParamsSchema,
  jobSchema,
  listJobsQuerySchema,
  listTechniciansQuerySchema,
  technicianListSchema,
  technicianSchema,
  technicianUnavailableBodySchema,
  technicianUnavailableSchema,
  updateJobBodySchema,
  updateTechnicianBodySchema,
} from '../../schemas/field-service.ts';
import type { ApiDeps } from '../deps.ts';
import { badRequest, notFound } from '../problem.ts';
import { defineRoute } from './registry.ts';
import { signalPlanningDay, signalTechnicianUnavailable } from '../../lib/field/planning-signals.ts';
import { localDate } from '../../lib/field/shift.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { actorOf } from '../audit-actor.ts';

const OPS = ['ops', 'admin'] as const;
const STAFF = ['ops', 'engineer', 'admin'] as const;

type Location = { lat: number; lng: number; label?: string };
type TechnicianBody = FromSchema<typeof updateTechnicianBodySchema>;
type JobBody = FromSchema<typeof updateJobBodySchema>;
type FieldErrors = NonNullable<Problem['errors']>;

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : undefined);
const defined = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;

/** The checks a JSON Schema cannot express, reported together like the schema's. */
function technicianErrors(body: TechnicianBody, current?: { shift?: { start: string; end: string } }): FieldErrors {
  const errors: FieldErrors = [];
  const shift = body.shift ?? current?.shift;
  if (body.shift && shift && shift.start >= shift.end) errors.push({ path: '/body/shift/end', message: 'must be after shift.start (shifts end on the day they start)' });
  return errors;
}

async function jobErrors(models: Models, accountId: string, body: JobBody): Promise<FieldErrors> {
  const errors: FieldErrors = [];
  body.timeWindows?.forEach((w, i) => {
    if (Date.parse(w.end) <= Date.parse(w.start)) errors.push({ path: `/body/timeWindows/${i}/end`, message: 'must be after start' });
  });
  if (body.startedAt && body.completedAt && Date.parse(body.completedAt) < Date.parse(body.startedAt)) {
    errors.push({ path: '/body/completedAt', message: 'must not be before startedAt' });
  }
  if (body.technicianId && !(await models.Technician.exists({ _id: body.technicianId, accountId }))) {
    errors.push({ path: '/body/technicianId', message: 'is no technician of this account' });
  }
  return errors;
}

function technicianOut(t: Record<string, any>) {
  return defined({
    id: t._id as string,
    accountId: t.accountId as string,
    region: t.region as string,
    name: t.name as string,
    email: t.email as string | undefined,
    phone: t.phone as string | undefined,
    skills: (t.skills ?? []) as string[],
    shift: { start: t.shift.start, end: t.shift.end, timeZone: t.shift.timeZone, workingDays: [...(t.shift.workingDays ?? [])] },
    startLocation: t.startLocation as Location,
    endLocation: (t.endLocation ?? undefined) as Location | undefined,
    active: t.active !== false,
    createdAt: iso(t.createdAt)!,
    updatedAt: iso(t.updatedAt)!,
  });
}

function jobOut(j: Record<string, any>) {
  return defined({
    id: j._id as string,
    accountId: j.accountId as string,
    region: j.region as string,
    date: j.date as string,
    customer: defined({ name: j.customer?.name as string, phone: j.customer?.phone as string | undefined }),
    location: j.location as Location,
    notes: j.notes as string | undefined,
    timeWindows: ((j.timeWindows ?? []) as { start: Date; end: Date }[]).map((w) => ({ start: iso(w.start)!, end: iso(w.end)! })),
    serviceMinutes: j.serviceMinutes as number,
    requiredSkills: (j.requiredSkills ?? []) as string[],
    priority: j.priority as string,
    status: j.status as string,
    technicianId: j.technicianId as string | undefined,
    startedAt: iso(j.startedAt),
    completedAt: iso(j.completedAt),
    createdAt: iso(j.createdAt)!,
    updatedAt: iso(j.updatedAt)!,
  });
}

/** Applies a validated body to a loaded document; `null` clears an optional field. */
function assign(doc: { set(path: string, value: unknown): unknown }, body: Record<string, unknown>) {
  for (const [key, value] of Object.entries(body)) doc.set(key, value === null ? undefined : value);
}

export const technicianRoutes = ({ models, temporal }: ApiDeps) => {
  const audit = createAuditLog(models.AuditEntry);
  const requireAccount = async (accountId: string) => {
    if (!(await models.Account.exists({ _id: accountId }))) throw notFound(`No account ${accountId}`);
  };
  return [
    defineRoute({
      method: 'post',
      path: '/api/accounts/:accountId/technicians',
      summary: 'Add a technician to an account (skills, shift, start and end location)',
      tag: 'field',
      access: { roles: OPS, scope: 'field:write' },
      params: accountParamsSchema,
      body: createTechnicianBodySchema,
      responses: {
        201: { description: 'created', schema: technicianSchema },
        400: { description: 'invalid input: every failing field', schema: problemSchema },
        404: { description: 'no such account', schema: problemSchema },
      },
      async handler({ params, body, res }) {
        const errors = technicianErrors(body);
        if (errors.length) throw badRequest(errors);
        await requireAccount(params.accountId);
        const created = await models.Technician.create({ _id: newId('tec'), accountId: params.accountId, ...defined(body) });
        res.status(201).json(technicianOut(created.toObject()));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/accounts/:accountId/technicians',
      summary: 'An account’s technicians, a page at a time (optionally of one region, active or not)',
      tag: 'field',
      access: { roles: STAFF, scope: 'field:read' },
      params: accountParamsSchema,
      query: listTechniciansQuerySchema,
      responses: { 200: { description: 'a page of technicians', schema: technicianListSchema }, 400: { description: 'invalid query', schema: problemSchema } },
      async handler({ params, query }) {
        const limit = query.limit ?? 100;
        const filter: Record<string, unknown> = { accountId: params.accountId };
        if (query.region) filter.region = query.region;
        if (query.active !== undefined) filter.active = query.active;
        if (query.cursor) filter._id = { $gt: query.cursor };
        const found = await models.Technician.find(filter).sort({ _id: 1 }).limit(limit + 1).lean();
        const page = found.slice(0, limit);
        return { technicians: page.map(technicianOut), nextCursor: found.length > limit ? page.at(-1)!._id : null };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/technicians/:technicianId',
      summary: 'A technician',
      tag: 'field',
      access: { roles: STAFF, scope: 'field:read' },
      params: technicianParamsSchema,
      responses: { 200: { description: 'the technician', schema: technicianSchema }, 404: { description: 'no such technician', schema: problemSchema } },
      async handler({ params }) {
        const t = await models.Technician.findById(params.technicianId).lean();
        if (!t) throw notFound(`No technician ${params.technicianId}`);
        return technicianOut(t);
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/technicians/:technicianId',
      summary: 'Change a technician (fields given replace the stored ones; endLocation null removes it)',
      tag: 'field',
      access: { roles: OPS, scope: 'field:write' },
      params: technicianParamsSchema,
      body: updateTechnicianBodySchema,
      responses: {
        200: { description: 'the changed technician', schema: technicianSchema },
        400: { description: 'invalid input: every failing field', schema: problemSchema },
        404: { description: 'no such technician', schema: problemSchema },
      },
      async handler({ params, body }) {
        const t = await models.Technician.findById(params.technicianId);
        if (!t) throw notFound(`No technician ${params.technicianId}`);
        const errors = technicianErrors(body, t.toObject());
        if (errors.length) throw badRequest(errors);
        assign(t, body);
        await t.save();
        return technicianOut(t.toObject());
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/technicians/:technicianId/unavailable',
      summary: 'Mark a technician unavailable for a day (all of it, or from a time): the running planning day re-plans their remaining stops, keeping done and in-progress ones',
      tag: 'field',
      access: { roles: OPS, scope: 'field:write' },
      params: technicianParamsSchema,
      body: technicianUnavailableBodySchema,
      responses: {
        200: { description: 'recorded (again, if already: the latest reason and time count)', schema: technicianUnavailableSchema },
        400: { description: 'invalid input: every failing field', schema: problemSchema },
        404: { description: 'no such technician', schema: problemSchema },
      },
      async handler({ params, body, principal }) {
        const t = await models.Technician.findById(params.technicianId);
        if (!t) throw notFound(`No technician ${params.technicianId}`);
        const zone = t.shift.timeZone;
        const from = body.from ? new Date(body.from) : undefined;
        const date = body.date ?? localDate(from ?? new Date(), zone);
        if (from && localDate(from, zone) !== date) throw badRequest([{ path: '/body/from', message: `must fall on ${date} in the technician’s time zone (${zone})` }]);
        // Stored first, so a plan made later (the morning plan, a retry) takes it in whether or not a day is running.
        const actor = actorOf(principal);
        const entry = { date, from, reason: body.reason, recordedBy: actor.id, recordedAt: new Date() };
        t.set('unavailable', [...t.unavailable.filter((u) => u.date !== date), entry]);
        await t.save();
        const signalled = await signalTechnicianUnavailable(temporal, { accountId: t.accountId, region: t.region, date }, t._id);
        await audit.append({ actor, action: 'technician.unavailable', target: { type: 'technician', id: t._id }, details: defined({ accountId: t.accountId, region: t.region, date, from: iso(from), reason: body.reason, signalled }) });
        return defined({ technicianId: t._id, date, from: iso(from), reason: body.reason, signalled });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/accounts/:accountId/jobs',
      summary: 'Add a job (a visit at a customer’s site) for a day and region',
      tag: 'field',
      access: { roles: OPS, scope: 'field:write' },
      params: accountParamsSchema,
      body: createJobBodySchema,
      responses: {
        201: { description: 'created', schema: jobSchema },
        400: { description: 'invalid input: every failing field', schema: problemSchema },
        404: { description: 'no such account', schema: problemSchema },
      },
      async handler({ params, body, res }) {
        const errors = await jobErrors(models, params.accountId, body);
        if (errors.length) throw badRequest(errors);
        await requireAccount(params.accountId);
        const created = await models.Job.create({ _id: newId('job'), accountId: params.accountId, ...defined(body) });
        await signalPlanningDay(temporal, created, 'added');
        res.status(201).json(jobOut(created.toObject()));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/accounts/:accountId/jobs',
      summary: 'An account’s jobs, a page at a time (optionally of one region, day and status)',
      tag: 'field',
      access: { roles: STAFF, scope: 'field:read' },
      params: accountParamsSchema,
      query: listJobsQuerySchema,
      responses: { 200: { description: 'a page of jobs', schema: jobListSchema }, 400: { description: 'invalid query', schema: problemSchema } },
      async handler({ params, query }) {
        const limit = query.limit ?? 100;
        const filter: Record<string, unknown> = { accountId: params.accountId };
        for (const key of ['region', 'date', 'status'] as const) if (query[key]) filter[key] = query[key];
        if (query.cursor) filter._id = { $gt: query.cursor };
        const found = await models.Job.find(filter).sort({ _id: 1 }).limit(limit + 1).lean();
        const page = found.slice(0, limit);
        return { jobs: page.map(jobOut), nextCursor: found.length > limit ? page.at(-1)!._id : null };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/jobs/:jobId',
      summary: 'A job',
      tag: 'field',
      access: { roles: STAFF, scope: 'field:read' },
      params: jobParamsSchema,
      responses: { 200: { description: 'the job', schema: jobSchema }, 404: { description: 'no such job', schema: problemSchema } },
      async handler({ params }) {
        const j = await models.Job.findById(params.jobId).lean();
        if (!j) throw notFound(`No job ${params.jobId}`);
        return jobOut(j);
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/jobs/:jobId',
      summary: 'Change a job: its details, or its status as work goes on (technician, startedAt, completedAt)',
      tag: 'field',
      access: { roles: OPS, scope: 'field:write' },
      params: jobParamsSchema,
      body: updateJobBodySchema,
      responses: {
        200: { description: 'the changed job', schema: jobSchema },
        400: { description: 'invalid input: every failing field', schema: problemSchema },
        404: { description: 'no such job', schema: problemSchema },
      },
      async handler({ params, body }) {
        const j = await models.Job.findById(params.jobId);
        if (!j) throw notFound(`No job ${params.jobId}`);
        const errors = await jobErrors(models, j.accountId, body);
        if (errors.length) throw badRequest(errors);
        const wasCancelled = j.status === 'cancelled';
        assign(j, body);
        await j.save();
        if (!wasCancelled && j.status === 'cancelled') await signalPlanningDay(temporal, j, 'cancelled');
        return jobOut(j.toObject());
      },
    }),
  ];
};
