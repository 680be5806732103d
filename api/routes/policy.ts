/**
 * The privacy policy's versions: admins publish (which starts the change notice to everyone), staff read, each
 * signed-in user marks the current version seen and accepted, admins follow the acknowledgements.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { problemSchema } from '../../schemas/common.ts';
import {
  acknowledgePolicyBodySchema,
  acknowledgePolicyResponseSchema,
  currentPolicyResponseSchema,
  policyStatsResponseSchema,
  policyVersionParamsSchema,
  policyVersionSchema,
  policyVersionSummarySchema,
  publishPolicyBodySchema,
  publishPolicyResponseSchema,
} from '../../schemas/policy.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { ROLES } from '../../contracts/api-types.ts';
import { broadcastProgressQuery, type policyChangeBroadcast, type PolicyChangeBroadcastProgress } from '../../workflows/policy-change-broadcast.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import { currentPolicy, ensureSeedPolicy, findAcknowledgement, policyStats, policyTextSha256, stampAcknowledgement } from '../../lib/policy.ts';
import { isDuplicateKeyError } from '../../lib/mongo.ts';
import type { PolicyVersionDoc } from '../../models/policy-version.ts';
import type { ApiDeps } from '../deps.ts';
import { actorOf } from '../audit-actor.ts';
import { badRequest, conflict, forbidden, notFound, unavailable } from '../problem.ts';
import { defineRoute } from './registry.ts';
import type { Principal } from '../auth/principal.ts';

type Version = PolicyVersionDoc & { _id: number };

const summaryOf = (v: Omit<Version, 'text'>) => ({
  version: v._id,
  effectiveAt: v.effectiveAt.toISOString(),
  summary: v.summary,
  sha256: v.sha256,
  publishedAt: v.publishedAt.toISOString(),
  publishedBy: v.publishedBy,
});

const ackOf = (version: number, a: { notifiedAt?: Date | null; seenAt?: Date | null; acceptedAt?: Date | null } | null) => ({
  version,
  notifiedAt: a?.notifiedAt?.toISOString() ?? null,
  seenAt: a?.seenAt?.toISOString() ?? null,
  acceptedAt: a?.acceptedAt?.toISOString() ?? null,
});

/** The signed-in console user: acknowledgements are personal, API tokens have none. */
function userIdOf(principal: Principal | null): string {
  if (principal?.kind !== 'user') throw forbidden('Only a signed-in user can acknowledge the privacy policy');
  return principal.user.id;
}

export const policyRoutes = ({ models, temporal, config, logger }: ApiDeps) => {
  const audit = createAuditLog(models.AuditEntry);

  /** Starts the notice for `version`, or finds the one already started (running or finished): never two. */
  async function startBroadcast(version: number) {
    const workflowId = workflowIds.policyChangeBroadcast(version);
    try {
      const handle = await temporal.workflow.start<typeof policyChangeBroadcast>('policyChangeBroadcast', {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [{ version, batchSize: config.policyNotice.batchSize, pauseBetweenBatches: config.policyNotice.pause as Duration }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      return { workflowId, runId: handle.firstExecutionRunId };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // Finished earlier: the reuse policy refuses a second broadcast; answer with the first.
      const described = await temporal.workflow.getHandle(workflowId).describe();
      return { workflowId, runId: described.runId };
    }
  }

  /** The broadcast of a version with its status and progress, or null if none was started (the seed version). */
  async function broadcastOf(version: number) {
    const workflowId = workflowIds.policyChangeBroadcast(version);
    const handle = temporal.workflow.getHandle<typeof policyChangeBroadcast>(workflowId);
    try {
      const described = await handle.describe();
      let progress: PolicyChangeBroadcastProgress | null = null;
      if (described.status.name === 'RUNNING') progress = await handle.query(broadcastProgressQuery).catch(() => null);
      else if (described.status.name === 'COMPLETED') progress = await handle.result().catch(() => null);
      return { workflowId, runId: described.runId, status: described.status.name, progress };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  async function requireCurrent(version: number) {
    const current = await currentPolicy(models);
    if (!current) throw notFound('No privacy policy is published');
    if (current._id !== version) throw conflict(`Version ${version} is not the current privacy policy; the current one is ${current._id}: show it and ask again`);
    return current;
  }

  return [
    defineRoute({
      method: 'post',
      path: '/api/policy/versions',
      summary: 'Publish a new privacy-policy version: starts the change notice to every active user and account owner',
      tag: 'policy',
      access: { roles: ['admin'] },
      body: publishPolicyBodySchema,
      responses: {
        202: { description: 'published; the notice broadcast started', schema: publishPolicyResponseSchema },
        200: { description: 'this exact version was published before: its broadcast', schema: publishPolicyResponseSchema },
        400: { description: 'invalid input (every failing field)', schema: problemSchema },
        409: { description: 'the version exists with other content, or is not higher than the latest', schema: problemSchema },
        503: { description: 'Temporal unavailable; nothing was published', schema: problemSchema },
      },
      async handler({ body, principal, res, req }) {
        const sha256 = policyTextSha256(body.text);
        if (body.sha256 && body.sha256 !== sha256) throw badRequest([{ path: '/body/sha256', message: 'does not match the SHA-256 of text' }]);
        const effectiveAt = new Date(body.effectiveAt);
        await ensureSeedPolicy(models);
        const sameContent = (v: Version) => v.sha256 === sha256 && v.summary === body.summary && v.effectiveAt.getTime() === effectiveAt.getTime();

        let existing = (await models.PolicyVersion.findById(body.version).lean()) as Version | null;
        if (!existing) {
          const latest = await currentPolicy(models);
          if (latest && body.version <= latest._id) throw conflict(`Versions only go up: the latest is ${latest._id}, publish ${latest._id + 1} or higher`);
          try {
            await models.PolicyVersion.create({ _id: body.version, effectiveAt, summary: body.summary, text: body.text, sha256, publishedAt: new Date(), publishedBy: actorOf(principal).id ?? 'unknown' });
          } catch (err) {
            if (!isDuplicateKeyError(err)) throw err;
            existing = (await models.PolicyVersion.findById(body.version).lean()) as Version | null; // published at the same moment by someone else
          }
        }
        if (existing && (existing.publishedBy === 'seed' || !sameContent(existing))) {
          throw conflict(`Version ${body.version} was published before with other content; publish a new version`);
        }

        let broadcast;
        try {
          broadcast = await startBroadcast(body.version);
        } catch (err) {
          // No version without its notice: undo a fresh insert so the caller can simply retry.
          if (!existing) await models.PolicyVersion.deleteOne({ _id: body.version });
          logger.error({ err, version: body.version }, 'could not start the policy change broadcast');
          throw unavailable('The workflow engine did not accept the change notice; nothing was published, please retry');
        }
        if (!existing) {
          await audit.append({
            actor: actorOf(principal),
            action: 'policy.published',
            target: { type: 'policy-version', id: String(body.version) },
            details: { version: body.version, sha256, effectiveAt, workflowId: broadcast.workflowId },
          });
          req.log.info({ version: body.version, workflowId: broadcast.workflowId }, 'privacy policy published');
        }
        res.status(existing ? 200 : 202).json({ version: body.version, sha256, alreadyPublished: Boolean(existing), broadcast });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/policy/versions',
      summary: 'Every published privacy-policy version, newest first (without the texts)',
      tag: 'policy',
      access: { roles: ROLES },
      responses: { 200: { description: 'versions', schema: { type: 'object', required: ['versions'], properties: { versions: { type: 'array', items: policyVersionSummarySchema } } } } },
      async handler() {
        await ensureSeedPolicy(models);
        const versions = await models.PolicyVersion.find({}, { text: 0 }).sort({ _id: -1 }).lean();
        return { versions: versions.map(summaryOf) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/policy/versions/:version',
      summary: 'One privacy-policy version with its full text',
      tag: 'policy',
      access: { roles: ROLES },
      params: policyVersionParamsSchema,
      responses: { 200: { description: 'the version', schema: policyVersionSchema }, 404: { description: 'no such version', schema: problemSchema } },
      async handler({ params }) {
        await ensureSeedPolicy(models);
        const v = (await models.PolicyVersion.findById(params.version).lean()) as Version | null;
        if (!v) throw notFound(`No privacy policy version ${params.version}`);
        return { ...summaryOf(v), text: v.text };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/policy/versions/:version/stats',
      summary: 'Who was notified of, has seen and has accepted a version, and the notice broadcast’s progress',
      tag: 'policy',
      access: { roles: ['admin'] },
      params: policyVersionParamsSchema,
      responses: { 200: { description: 'counts per audience', schema: policyStatsResponseSchema }, 404: { description: 'no such version', schema: problemSchema } },
      async handler({ params }) {
        await ensureSeedPolicy(models);
        if (!(await models.PolicyVersion.exists({ _id: params.version }))) throw notFound(`No privacy policy version ${params.version}`);
        const [stats, broadcast] = await Promise.all([policyStats(models, params.version), broadcastOf(params.version)]);
        return { version: params.version, ...stats, broadcast };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/policy/current',
      summary: 'The current privacy policy, and whether the signed-in user has seen and accepted it',
      tag: 'policy',
      access: { roles: ROLES },
      responses: { 200: { description: 'the policy and the user’s acknowledgement', schema: currentPolicyResponseSchema } },
      async handler({ principal }) {
        const userId = userIdOf(principal);
        const current = (await currentPolicy(models)) as Version | null;
        if (!current) throw notFound('No privacy policy is published');
        const ack = await findAcknowledgement(models, current._id, { type: 'user', id: userId });
        return { policy: { ...summaryOf(current), text: current.text }, me: ackOf(current._id, ack) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/policy/current/seen',
      summary: 'The signed-in user was shown the current privacy policy',
      tag: 'policy',
      access: { roles: ROLES },
      body: acknowledgePolicyBodySchema,
      responses: { 200: { description: 'the acknowledgement (the first view counts)', schema: acknowledgePolicyResponseSchema }, 409: { description: 'not the current version', schema: problemSchema } },
      async handler({ body, principal }) {
        const userId = userIdOf(principal);
        await requireCurrent(body.version);
        const subject = { type: 'user', id: userId } as const;
        await stampAcknowledgement(models, body.version, subject, ['seenAt']);
        return ackOf(body.version, await findAcknowledgement(models, body.version, subject));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/policy/current/accept',
      summary: 'The signed-in user accepts the current privacy policy (marks it seen too)',
      tag: 'policy',
      access: { roles: ROLES },
      body: acknowledgePolicyBodySchema,
      responses: { 200: { description: 'the acknowledgement (the first acceptance counts)', schema: acknowledgePolicyResponseSchema }, 409: { description: 'not the current version', schema: problemSchema } },
      async handler({ body, principal }) {
        const userId = userIdOf(principal);
        const current = await requireCurrent(body.version);
        const at = new Date();
        const subject = { type: 'user', id: userId } as const;
        await stampAcknowledgement(models, body.version, subject, ['seenAt', 'acceptedAt'], at);
        const ack = await findAcknowledgement(models, body.version, subject);
        if (ack?.acceptedAt?.getTime() === at.getTime()) {
          await audit.append({ actor: actorOf(principal), action: 'policy.accepted', target: { type: 'policy-version', id: String(body.version) }, details: { version: body.version, sha256: current.sha256 } });
        }
        return ackOf(body.version, ack);
      },
    }),
  ];
};
