/**
 * Nurturing sequences as versioned data, and enrollments. A definition is validated as a whole (every error in
 * one 400); editing appends a version, and running enrollments keep the one they started with. Enrolling a lead
 * twice answers with the running enrollment. The enrollment's state, pause, resume and skip go to its workflow.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { problemSchema } from '../../schemas/common.ts';
import {
  createSequenceBodySchema,
  enrollBodySchema,
  enrollmentResponseSchema,
  listSequencesQuerySchema,
  newVersionBodySchema,
  sequenceIdParamsSchema,
  sequenceVersionParamsSchema,
} from '../../schemas/sequences.ts';
import { validateSequenceDefinition, type EntryCriteria } from '../../lib/sequences.ts';
import { enrollLead, EnrollmentRefusedError } from '../../lib/enrollments.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { sequenceVersionId } from '../../models/sequence.ts';
import { ENROLLMENT_STATUSES } from '../../models/enrollment.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { nurturingStateQuery, pauseUpdate, resumeUpdate, skipStepUpdate, type leadNurturing } from '../../workflows/lead-nurturing.ts';
import type { Models } from '../../models/index.ts';
import type { ApiDeps } from '../deps.ts';
import { actorOf } from '../audit-actor.ts';
import { badRequest, HttpProblem, notFound } from '../problem.ts';
import { defineRoute } from './registry.ts';

const STAFF = ['ops', 'engineer', 'admin'] as const;
const WRITERS = ['ops', 'admin'] as const;

const enrollmentParamsSchema = {
  type: 'object',
  required: ['id', 'leadId'],
  properties: { id: sequenceIdParamsSchema.properties.id, leadId: { type: 'string', pattern: '^[a-z]{3}_[A-Za-z0-9]{1,64}$' } },
} as const;
/**
 * Enrollment records as the console lists them: with the sequence's name and the number of steps of the version
 * each runs, so "step 3 of 5" needs no further call per row.
 */
export async function enrollmentViews<T extends { _id: string; sequenceId: string; version: number }>(models: Models, records: T[]) {
  const versionIds = [...new Set(records.map((e) => sequenceVersionId(e.sequenceId, e.version)))];
  const sequenceIds = [...new Set(records.map((e) => e.sequenceId))];
  const [versions, sequences] = await Promise.all([
    versionIds.length ? models.SequenceVersion.find({ _id: { $in: versionIds } }, { definition: 1 }).lean() : [],
    sequenceIds.length ? models.Sequence.find({ _id: { $in: sequenceIds } }, { name: 1 }).lean() : [],
  ]);
  const stepCounts = new Map(versions.map((v) => [v._id, (v.definition as { steps?: unknown[] } | undefined)?.steps?.length ?? null]));
  const names = new Map(sequences.map((s) => [s._id, s.name]));
  return records.map(({ _id, ...e }) => ({
    workflowId: _id,
    ...e,
    sequenceName: names.get(e.sequenceId) ?? null,
    stepCount: stepCounts.get(sequenceVersionId(e.sequenceId, e.version)) ?? null,
  }));
}

const skipBodySchema = { type: 'object', additionalProperties: false, required: ['stepId'], properties: { stepId: { type: 'string', minLength: 1, maxLength: 40 } } } as const;

export const sequenceRoutes = ({ models, temporal, config }: ApiDeps) => {
  const audit = createAuditLog(models.AuditEntry);
  const definitionOrFail = (definition: unknown) => {
    const checked = validateSequenceDefinition(definition, '/body/definition');
    if (!checked.ok) throw badRequest(checked.errors);
    return checked.definition;
  };
  const summary = (s: { _id: string; accountId: string; name: string; latestVersion: number; createdAt?: Date; updatedAt?: Date }) => ({
    id: s._id,
    accountId: s.accountId,
    name: s.name,
    latestVersion: s.latestVersion,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  });
  const enrollmentHandle = async (sequenceId: string, leadId: string) => {
    const sequence = await models.Sequence.findById(sequenceId, { accountId: 1 }).lean();
    if (!sequence) throw notFound(`No sequence ${sequenceId}`);
    return temporal.workflow.getHandle<typeof leadNurturing>(workflowIds.leadNurturing(sequence.accountId, leadId, sequenceId));
  };
  const toWorkflow = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound('No such enrollment');
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) throw new HttpProblem(409, 'refused', 'Conflict', err.cause.message);
      throw err;
    }
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/sequences',
      summary: 'Create a nurturing sequence (version 1); an invalid definition is answered with every error',
      tag: 'sequences',
      access: { roles: WRITERS, scope: 'leads:write' },
      body: createSequenceBodySchema,
      responses: { 201: { description: 'created' }, 400: { description: 'the definition is invalid (every error listed)', schema: problemSchema } },
      async handler({ body, principal, res }) {
        const definition = definitionOrFail(body.definition);
        if (!(await models.Account.exists({ _id: body.accountId }))) throw notFound(`No account ${body.accountId}`);
        const id = `seq_${randomUUID().replaceAll('-', '')}`;
        const by = actorOf(principal).id;
        await models.SequenceVersion.create({ _id: sequenceVersionId(id, 1), sequenceId: id, accountId: body.accountId, version: 1, definition, createdBy: by });
        const sequence = await models.Sequence.create({ _id: id, accountId: body.accountId, name: definition.name, latestVersion: 1, createdBy: by });
        await audit.append({ actor: actorOf(principal), action: 'sequence.created', target: { type: 'sequence', id }, details: { accountId: body.accountId, version: 1 } });
        res.status(201).json({ ...summary(sequence.toObject()), version: 1, definition });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/sequences',
      summary: 'The sequences of an account, most recently changed first',
      tag: 'sequences',
      access: { roles: STAFF, scope: 'leads:read' },
      query: listSequencesQuerySchema,
      responses: { 200: { description: 'sequences, each with the entry criteria of its newest version (null: enrolled by hand only)' } },
      async handler({ query }) {
        const found = await models.Sequence.find({ accountId: query.accountId }).sort({ updatedAt: -1 }).limit(500).lean();
        // Only the criteria are read: a definition's mail bodies can be large, and the list shows none of them.
        const latest = found.length
          ? await models.SequenceVersion.find({ _id: { $in: found.map((s) => sequenceVersionId(s._id, s.latestVersion)) } }, { sequenceId: 1, 'definition.entryCriteria': 1 }).lean<{ sequenceId: string; definition?: { entryCriteria?: EntryCriteria } }[]>()
          : [];
        const criteria = new Map(latest.map((v) => [v.sequenceId, v.definition?.entryCriteria ?? null]));
        return { sequences: found.map((s) => ({ ...summary(s), entryCriteria: criteria.get(s._id) ?? null })) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/sequences/:id',
      summary: 'A sequence with its newest definition and the list of its versions',
      tag: 'sequences',
      access: { roles: STAFF, scope: 'leads:read' },
      params: sequenceIdParamsSchema,
      responses: { 200: { description: 'the sequence' }, 404: { description: 'no such sequence', schema: problemSchema } },
      async handler({ params }) {
        const sequence = await models.Sequence.findById(params.id).lean();
        if (!sequence) throw notFound(`No sequence ${params.id}`);
        const versions = await models.SequenceVersion.find({ sequenceId: params.id }, { version: 1, createdAt: 1, createdBy: 1 }).sort({ version: 1 }).lean();
        const latest = await models.SequenceVersion.findById(sequenceVersionId(params.id, sequence.latestVersion)).lean();
        return { ...summary(sequence), definition: latest?.definition, versions: versions.map((v) => ({ version: v.version, createdAt: v.createdAt, createdBy: v.createdBy })) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/sequences/:id/versions/:version',
      summary: 'One version of a sequence (what its enrollments run)',
      tag: 'sequences',
      access: { roles: STAFF, scope: 'leads:read' },
      params: sequenceVersionParamsSchema,
      responses: { 200: { description: 'the version' }, 404: { description: 'no such version', schema: problemSchema } },
      async handler({ params }) {
        const v = await models.SequenceVersion.findById(sequenceVersionId(params.id, params.version)).lean();
        if (!v) throw notFound(`Sequence ${params.id} has no version ${params.version}`);
        return { sequenceId: v.sequenceId, accountId: v.accountId, version: v.version, definition: v.definition, createdAt: v.createdAt };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/sequences/:id/versions',
      summary: 'Edit a sequence: appends a new version; running enrollments keep theirs, new enrollments get this one',
      tag: 'sequences',
      access: { roles: WRITERS, scope: 'leads:write' },
      params: sequenceIdParamsSchema,
      body: newVersionBodySchema,
      responses: { 201: { description: 'the new version' }, 400: { description: 'the definition is invalid (every error listed)', schema: problemSchema }, 404: { description: 'no such sequence', schema: problemSchema } },
      async handler({ params, body, principal, res }) {
        const definition = definitionOrFail(body.definition);
        const sequence = await models.Sequence.findById(params.id).lean();
        if (!sequence) throw notFound(`No sequence ${params.id}`);
        // The unique (sequenceId, version) index decides between concurrent edits: the loser takes the next number.
        for (let version = sequence.latestVersion + 1; ; version++) {
          try {
            await models.SequenceVersion.create({ _id: sequenceVersionId(params.id, version), sequenceId: params.id, accountId: sequence.accountId, version, definition, createdBy: actorOf(principal).id });
          } catch (err) {
            if ((err as { code?: number }).code === 11000 && version < sequence.latestVersion + 20) continue;
            throw err;
          }
          await models.Sequence.updateOne({ _id: params.id, latestVersion: { $lt: version } }, { $set: { latestVersion: version, name: definition.name } });
          await audit.append({ actor: actorOf(principal), action: 'sequence.versioned', target: { type: 'sequence', id: params.id }, details: { accountId: sequence.accountId, version } });
          res.status(201).json({ id: params.id, version, definition });
          return;
        }
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/sequences/:id/enrollments',
      summary: 'Enroll a lead (newest version); enrolling the same lead again answers with the running enrollment',
      tag: 'sequences',
      access: { roles: WRITERS, scope: 'leads:write' },
      params: sequenceIdParamsSchema,
      body: enrollBodySchema,
      responses: {
        201: { description: 'enrolled', schema: enrollmentResponseSchema },
        200: { description: 'already enrolled: the running enrollment', schema: enrollmentResponseSchema },
        404: { description: 'no such sequence or lead', schema: problemSchema },
      },
      async handler({ params, body, principal, res }) {
        try {
          const enrollment = await enrollLead(models, temporal, { sequenceId: params.id, leadId: body.leadId }, { taskQueue: config.temporal.taskQueue, enrolledBy: actorOf(principal).id });
          if (!enrollment.existing) {
            await models.Lead.updateOne({ _id: body.leadId, status: 'new' }, { $set: { status: 'nurturing' } });
            await audit.append({ actor: actorOf(principal), action: 'lead.enrolled', target: { type: 'lead', id: body.leadId }, details: { sequenceId: params.id, version: enrollment.version, workflowId: enrollment.workflowId } });
          }
          res.status(enrollment.existing ? 200 : 201).json(enrollment);
        } catch (err) {
          if (err instanceof EnrollmentRefusedError) throw notFound(err.message);
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/sequences/:id/enrollments',
      summary: 'The enrollments of a sequence (IDs, versions, status, steps of their version; the newest 1000) and how many there are in each status',
      tag: 'sequences',
      access: { roles: STAFF, scope: 'leads:read' },
      params: sequenceIdParamsSchema,
      responses: { 200: { description: 'enrollments' } },
      async handler({ params }) {
        const [found, ...counted] = await Promise.all([
          models.Enrollment.find({ sequenceId: params.id }).sort({ createdAt: -1 }).limit(1000).lean(),
          ...ENROLLMENT_STATUSES.map((status) => models.Enrollment.countDocuments({ sequenceId: params.id, status })),
        ]);
        const counts = Object.fromEntries(ENROLLMENT_STATUSES.map((status, i) => [status, counted[i]]));
        return { enrollments: await enrollmentViews(models, found), counts };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/sequences/:id/enrollments/:leadId',
      summary: 'An enrollment’s state: current step, next send time in the lead’s zone, and what happened and why',
      tag: 'sequences',
      access: { roles: STAFF, scope: 'leads:read' },
      params: enrollmentParamsSchema,
      responses: { 200: { description: 'the state' }, 404: { description: 'no such enrollment', schema: problemSchema } },
      async handler({ params }) {
        const handle = await enrollmentHandle(params.id, params.leadId);
        return { workflowId: handle.workflowId, ...(await toWorkflow(() => handle.query(nurturingStateQuery))) };
      },
    }),
    ...(['pause', 'resume'] as const).map((action) =>
      defineRoute({
        method: 'post',
        path: `/api/sequences/:id/enrollments/:leadId/${action}`,
        summary: action === 'pause' ? 'Pause an enrollment (no mail until resumed)' : 'Resume a paused enrollment (the next mail goes at the next window)',
        tag: 'sequences',
        access: { roles: WRITERS, scope: 'leads:write' },
        params: enrollmentParamsSchema,
        responses: { 200: { description: 'the state' }, 404: { description: 'no such enrollment', schema: problemSchema }, 409: { description: 'refused', schema: problemSchema } },
        async handler({ params, principal }) {
          const handle = await enrollmentHandle(params.id, params.leadId);
          const by = actorOf(principal).id ?? 'unknown';
          return toWorkflow(() => handle.executeUpdate(action === 'pause' ? pauseUpdate : resumeUpdate, { args: [{ by }] }));
        },
      }),
    ),
    defineRoute({
      method: 'post',
      path: '/api/sequences/:id/enrollments/:leadId/skip',
      summary: 'Skip the step an enrollment is on (name it: a stale view cannot skip the wrong one)',
      tag: 'sequences',
      access: { roles: WRITERS, scope: 'leads:write' },
      params: enrollmentParamsSchema,
      body: skipBodySchema,
      responses: { 200: { description: 'the state' }, 404: { description: 'no such enrollment', schema: problemSchema }, 409: { description: 'not the current step', schema: problemSchema } },
      async handler({ params, body, principal }) {
        const handle = await enrollmentHandle(params.id, params.leadId);
        const by = actorOf(principal).id ?? 'unknown';
        return toWorkflow(() => handle.executeUpdate(skipStepUpdate, { args: [{ by, stepId: body.stepId }] }));
      },
    }),
  ];
};
