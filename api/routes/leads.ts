/**
 * Leads of a customer account: create, read, change (load, change, save: the personal fields are encrypted by the
 * model), list a page at a time, find by exact address or phone through the blind index, and import a CSV file.
 * An address is one lead per account: a second is refused with 409 naming the first (never merged). Creations
 * and imports are audited by ID; names, addresses and search terms are never logged or echoed in errors.
 */
import type { Request } from 'express';
import mongoose from 'mongoose';
import { problemSchema } from '../../schemas/common.ts';
import {
  createLeadBodySchema,
  LEAD_IMPORT_MAX_BYTES,
  LEAD_IMPORT_MAX_ROWS,
  leadAccountParamsSchema,
  leadImportReportSchema,
  leadListResponseSchema,
  leadParamsSchema,
  leadSchema,
  listLeadsQuerySchema,
  updateLeadBodySchema,
} from '../../schemas/leads.ts';
import { canonicalTimeZone } from '../../schemas/formats.ts';
import { newId } from '../../models/ids.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { blindIndexFilter } from '../../lib/crypto/encrypted-fields.ts';
import { isDuplicateKeyError } from '../../lib/mongo.ts';
import { assertTransition, IllegalStatusTransitionError, type LeadStatus } from '../../lib/leads/pipeline.ts';
import { ImportHeaderError, ImportTooLargeError, importLeadsCsv } from '../../lib/leads/csv-import.ts';
import type { ApiDeps } from '../deps.ts';
import { actorOf } from '../audit-actor.ts';
import { badRequest, conflict, HttpProblem, notFound } from '../problem.ts';
import { defineRoute } from './registry.ts';
import { enrollmentViews } from './sequences.ts';
import { signalGoal, startAutoEnrollment } from '../../lib/enrollments.ts';
import { SEQUENCE_GOALS } from '../../schemas/sequences.ts';

const WRITE = ['ops', 'admin'] as const;
const READ = ['ops', 'engineer', 'admin'] as const;
const OPTIONAL = ['email', 'phone', 'company', 'jobTitle', 'notes', 'source', 'ownerUserId'] as const;

interface StoredLead {
  _id: string;
  accountId: string;
  name: string;
  email?: string | null;
  phone?: string | null;
  company?: string | null;
  jobTitle?: string | null;
  notes?: string | null;
  timeZone: string;
  status: string;
  source?: string | null;
  ownerUserId?: string | null;
  score?: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The API's view of a stored (decrypted) lead: absent fields stay absent. */
export function toApiLead(l: StoredLead) {
  const optional = Object.fromEntries(OPTIONAL.flatMap((k) => (l[k] === undefined || l[k] === null ? [] : [[k, l[k]]])));
  return {
    id: l._id,
    accountId: l.accountId,
    name: l.name,
    ...optional,
    timeZone: l.timeZone,
    status: l.status,
    score: l.score ?? 0,
    createdAt: l.createdAt.toISOString(),
    updatedAt: l.updatedAt.toISOString(),
  };
}

export const leadRoutes = ({ models, keyring, temporal, config }: ApiDeps) => {
  const audit = createAuditLog(models.AuditEntry);
  const base = '/api/accounts/:accountId/leads';

  /** 404 for an unknown account; 409 once it was purged (its key is gone: nothing can be stored for it). */
  async function requireAccount(accountId: string, forWriting: boolean) {
    const account = await models.Account.findById(accountId, { status: 1 }).lean();
    if (!account) throw notFound(`No account ${accountId}`);
    if (forWriting && account.status === 'purged') throw new HttpProblem(409, 'account-purged', 'Conflict', `Account ${accountId} was purged; it can hold no leads`);
  }

  async function requireOwner(userId: string | null | undefined, path: string) {
    if (userId && !(await models.User.exists({ _id: userId }))) throw badRequest([{ path, message: 'is not a console user' }]);
  }

  /** The 409 for an address that belongs to a stored lead, naming it (the address itself is not repeated). */
  async function duplicateProblem(accountId: string, email: string) {
    const filter = await blindIndexFilter(models.Lead, 'email', email, { accountId });
    const existing = filter ? await models.Lead.findOne(filter, { _id: 1 }).lean() : null;
    const which = existing ? `lead ${existing._id}` : 'another lead';
    return new HttpProblem(409, 'duplicate-lead', 'Conflict', `This email address belongs to ${which} of the account already: refused, not merged`, [
      { path: '/body/email', message: `belongs to ${which} already` },
    ]);
  }

  return [
    defineRoute({
      method: 'post',
      path: base,
      summary: 'Create a lead (status new). An email address already used by a lead of the account is refused, not merged: 409 naming that lead',
      tag: 'leads',
      access: { roles: WRITE, scope: 'leads:write' },
      params: leadAccountParamsSchema,
      body: createLeadBodySchema,
      responses: {
        201: { description: 'created', schema: leadSchema },
        400: { description: 'invalid input: every failing field', schema: problemSchema },
        404: { description: 'no such account', schema: problemSchema },
        409: { description: 'the address belongs to a lead already (its ID is named), or the account was purged', schema: problemSchema },
      },
      async handler({ params, body, principal, req, res }) {
        await requireAccount(params.accountId, true);
        await requireOwner(body.ownerUserId, '/body/ownerUserId');
        const id = newId('led');
        const lead = new models.Lead({ ...body, _id: id, accountId: params.accountId, status: 'new', timeZone: canonicalTimeZone(body.timeZone ?? 'UTC') });
        try {
          await lead.save();
        } catch (err) {
          if (isDuplicateKeyError(err) && body.email) throw await duplicateProblem(params.accountId, body.email);
          throw err;
        }
        await audit.append({ actor: actorOf(principal), action: 'lead.created', target: { type: 'lead', id }, details: { accountId: params.accountId } });
        const autoEnrollment = await startAutoEnrollment(models, temporal, { accountId: params.accountId, leadId: id }, { taskQueue: config.temporal.taskQueue });
        req.log.info({ accountId: params.accountId, leadId: id, autoEnrollment }, 'lead created');
        res.status(201).location(`/api/accounts/${params.accountId}/leads/${id}`).json(toApiLead(lead.toObject() as StoredLead));
      },
    }),
    defineRoute({
      method: 'get',
      path: base,
      summary: 'Leads of an account, newest first, a page at a time; filter by pipeline status and owner, or find by exact email or phone (blind index)',
      tag: 'leads',
      access: { roles: READ, scope: 'leads:read' },
      params: leadAccountParamsSchema,
      query: listLeadsQuerySchema,
      responses: {
        200: { description: 'a page of leads (names and addresses included)', schema: leadListResponseSchema },
        400: { description: 'invalid query', schema: problemSchema },
        404: { description: 'no such account', schema: problemSchema },
      },
      async handler({ params, query }) {
        await requireAccount(params.accountId, false);
        const limit = query.limit ?? 50;
        const filter: Record<string, unknown> = { accountId: params.accountId };
        if (query.status) filter.status = query.status;
        if (query.ownerUserId) filter.ownerUserId = query.ownerUserId;
        for (const path of ['email', 'phone'] as const) {
          const value = query[path];
          if (value === undefined) continue;
          const byIndex = await blindIndexFilter(models.Lead, path, value, { accountId: params.accountId });
          if (!byIndex) return { leads: [], nextCursor: null }; // the account has no key: nothing of it is stored
          Object.assign(filter, byIndex);
        }
        if (query.cursor) {
          const dot = query.cursor.indexOf('.');
          const at = new Date(Number(query.cursor.slice(0, dot)));
          const id = query.cursor.slice(dot + 1);
          filter.$or = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: id } }];
        }
        const found = await models.Lead.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit + 1).lean<StoredLead[]>();
        const page = found.slice(0, limit);
        const last = page.at(-1);
        return { leads: page.map(toApiLead), nextCursor: found.length > limit && last ? `${last.createdAt.getTime()}.${last._id}` : null };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${base}/:leadId`,
      summary: 'A lead',
      tag: 'leads',
      access: { roles: READ, scope: 'leads:read' },
      params: leadParamsSchema,
      responses: { 200: { description: 'the lead', schema: leadSchema }, 404: { description: 'no such lead in this account', schema: problemSchema } },
      async handler({ params }) {
        const lead = await models.Lead.findOne({ _id: params.leadId, accountId: params.accountId }).lean<StoredLead>();
        if (!lead) throw notFound(`No lead ${params.leadId} in account ${params.accountId}`);
        return toApiLead(lead);
      },
    }),
    defineRoute({
      method: 'get',
      path: `${base}/:leadId/enrollments`,
      summary: 'A lead’s nurturing enrollments, newest first, with each sequence’s name and the steps of its version (the state and what happened: GET /api/sequences/{id}/enrollments/{leadId})',
      tag: 'leads',
      access: { roles: READ, scope: 'leads:read' },
      params: leadParamsSchema,
      responses: { 200: { description: 'the enrollments' }, 404: { description: 'no such lead in this account', schema: problemSchema } },
      async handler({ params }) {
        if (!(await models.Lead.exists({ _id: params.leadId, accountId: params.accountId }))) throw notFound(`No lead ${params.leadId} in account ${params.accountId}`);
        const found = await models.Enrollment.find({ accountId: params.accountId, leadId: params.leadId }).sort({ createdAt: -1 }).limit(200).lean();
        return { enrollments: await enrollmentViews(models, found) };
      },
    }),
    defineRoute({
      method: 'post',
      path: `${base}/:leadId/goals`,
      summary: 'A nurturing goal reached outside the mail (a meeting booked, the lead converted in the CRM, a reply seen elsewhere): every running enrollment of the lead whose sequence has that goal ends',
      tag: 'leads',
      access: { roles: WRITE, scope: 'leads:write' },
      params: leadParamsSchema,
      body: { type: 'object', additionalProperties: false, required: ['goal'], properties: { goal: { enum: SEQUENCE_GOALS } } },
      responses: {
        200: { description: 'the enrollments told (workflow IDs)' },
        400: { description: 'invalid input', schema: problemSchema },
        404: { description: 'no such lead in this account', schema: problemSchema },
      },
      async handler({ params, body, principal, req }) {
        if (!(await models.Lead.exists({ _id: params.leadId, accountId: params.accountId }))) throw notFound(`No lead ${params.leadId} in account ${params.accountId}`);
        const signalled = await signalGoal(models, temporal, params.accountId, params.leadId, body.goal, req.log);
        await audit.append({ actor: actorOf(principal), action: 'lead.goal-reached', target: { type: 'lead', id: params.leadId }, details: { accountId: params.accountId, goal: body.goal, enrollments: signalled.length } });
        return { goal: body.goal, enrollmentsSignalled: signalled };
      },
    }),
    defineRoute({
      method: 'patch',
      path: `${base}/:leadId`,
      summary: 'Change a lead: the fields sent (null clears one). Status moves new → nurturing → qualified → converted, or to lost from an open stage; other moves answer 409 naming the allowed ones. An address of another lead: 409 naming it',
      tag: 'leads',
      access: { roles: WRITE, scope: 'leads:write' },
      params: leadParamsSchema,
      body: updateLeadBodySchema,
      responses: {
        200: { description: 'the changed lead', schema: leadSchema },
        400: { description: 'invalid input: every failing field', schema: problemSchema },
        404: { description: 'no such lead in this account', schema: problemSchema },
        409: { description: 'a move the pipeline does not allow, an address of another lead, or a status changed meanwhile', schema: problemSchema },
      },
      async handler({ params, body, req }) {
        const lead = await models.Lead.findOne({ _id: params.leadId, accountId: params.accountId });
        if (!lead) throw notFound(`No lead ${params.leadId} in account ${params.accountId}`);
        await requireOwner(body.ownerUserId, '/body/ownerUserId');
        const from = lead.status as LeadStatus;
        if (body.status && body.status !== from) {
          try {
            assertTransition(from, body.status);
          } catch (err) {
            if (err instanceof IllegalStatusTransitionError) {
              throw new HttpProblem(409, 'illegal-status-transition', 'Conflict', err.message, [{ path: '/body/status', message: err.allowed.length ? `must be one of ${err.allowed.join(', ')} (from ${from})` : `cannot change: ${from} is final` }]);
            }
            throw err;
          }
          // The move is checked against the status read: a parallel move in between makes this save match nothing.
          lead.$where = { status: from };
        }
        const previousEmail = lead.email;
        for (const [field, value] of Object.entries(body)) lead.set(field, value === null ? undefined : field === 'timeZone' ? canonicalTimeZone(value as string) : value);
        // A bounce was the old address's: a new one may be mailed again.
        if ('email' in body && body.email !== previousEmail) lead.set('bouncedAt', undefined);
        try {
          await lead.save();
        } catch (err) {
          if (isDuplicateKeyError(err) && body.email) throw await duplicateProblem(params.accountId, body.email);
          if (err instanceof mongoose.Error.DocumentNotFoundError) throw conflict(`Lead ${params.leadId} was changed or removed meanwhile; reload it and try again`);
          throw err;
        }
        // A converted lead has reached the nurturing goal: its running enrollments end (the send re-checks anyway).
        const goalSignalled = body.status === 'converted' && from !== 'converted' ? await signalGoal(models, temporal, params.accountId, params.leadId, 'converted', req.log) : [];
        req.log.info({ accountId: params.accountId, leadId: params.leadId, fields: Object.keys(body), ...(body.status && body.status !== from ? { from, to: body.status, goalSignalled: goalSignalled.length } : {}) }, 'lead changed');
        return toApiLead(lead.toObject() as StoredLead);
      },
    }),
    defineRoute({
      method: 'post',
      path: `${base}/import`,
      summary: `Import leads from a CSV file (text/csv, header line first; at most ${LEAD_IMPORT_MAX_ROWS.toLocaleString('en')} rows and ${LEAD_IMPORT_MAX_BYTES / 1024 / 1024} MiB), streamed: good rows are stored, every bad row is reported with its line and every failing field; addresses already used (in the file or by a stored lead) are refused, not merged`,
      tag: 'leads',
      access: { roles: WRITE, scope: 'leads:write' },
      params: leadAccountParamsSchema,
      responses: {
        200: { description: 'the file was read: the report (how many imported, every row refused and why)', schema: leadImportReportSchema },
        400: { description: 'not CSV, or a header naming unknown columns or no name column: nothing imported', schema: problemSchema },
        404: { description: 'no such account', schema: problemSchema },
        413: { description: 'over the row or size limit: reading stopped; the detail says how many rows before it were imported', schema: problemSchema },
      },
      async handler({ params, principal, req }) {
        if (!/^text\/csv\b/i.test(req.headers['content-type'] ?? '')) {
          throw new HttpProblem(415, 'unsupported-media-type', 'Unsupported media type', 'Send the file as the body with content-type: text/csv');
        }
        const length = Number(req.headers['content-length'] ?? 0);
        if (length > LEAD_IMPORT_MAX_BYTES) throw tooLarge(`The file has ${length} bytes; at most ${LEAD_IMPORT_MAX_BYTES} are accepted. Nothing was imported`);
        await requireAccount(params.accountId, true);
        const started = Date.now();
        try {
          const report = await importLeadsCsv(models, keyring, req as Request, {
            accountId: params.accountId,
            maxRows: LEAD_IMPORT_MAX_ROWS,
            maxBytes: LEAD_IMPORT_MAX_BYTES,
            userExists: async (id) => Boolean(await models.User.exists({ _id: id })),
          });
          await auditImport(report);
          const autoEnrollment = report.imported ? await startAutoEnrollment(models, temporal, { accountId: params.accountId, importId: report.importId }, { taskQueue: config.temporal.taskQueue }) : null;
          req.log.info({ autoEnrollment,  accountId: params.accountId, importId: report.importId, rows: report.rows, imported: report.imported, rejected: report.rejected.length, ms: Date.now() - started }, 'leads imported');
          return report;
        } catch (err) {
          if (err instanceof ImportHeaderError) throw new HttpProblem(400, 'validation', 'The CSV file is not usable', err.message, err.errors.map((e) => ({ path: `/header/${e.field}`, message: e.message })));
          if (err instanceof ImportTooLargeError) {
            await auditImport(err.report);
            const what = err.limit === 'rows' ? `more than ${err.max} data rows` : `more than ${err.max} bytes`;
            throw tooLarge(`The file has ${what}: reading stopped after data row ${err.report.rows}. Import ${err.report.importId} stored ${err.report.imported} leads of the rows read; send the rest as another file`);
          }
          throw err;
        }

        async function auditImport(report: { importId: string; rows: number; imported: number; rejected: unknown[] }) {
          if (!report.imported) return;
          await audit.append({
            actor: actorOf(principal),
            action: 'leads.imported',
            target: { type: 'lead-import', id: report.importId },
            details: { accountId: params.accountId, rows: report.rows, imported: report.imported, rejected: report.rejected.length },
          });
        }
      },
    }),
  ];
};

const tooLarge = (detail: string) => new HttpProblem(413, 'too-large', 'The file is too large', detail);
