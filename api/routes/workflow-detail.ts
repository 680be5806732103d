/**
 * The workflow monitor's detail page: one execution described (with a business summary from its own state query),
 * its event history, and the engineers' actions on it.
 *
 * History payloads are decoded through the client's data converter (the encrypting codec) for engineers and admins
 * only; everyone else (ops, API tokens) gets each payload replaced by a marker with its size — decided here, so the
 * redacted answer never holds payload bytes. Signal, cancel, terminate and reset need a reason and are audited (actor,
 * action, workflow, run, reason — never the signal's arguments). Temporal's own termination and reset reasons name the
 * actor only: the free-text reason stays in the audit log, not in the (unencrypted) history field.
 */
import { randomUUID } from 'node:crypto';
import { isGrpcServiceError, WorkflowNotFoundError, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { problemSchema } from '../../schemas/common.ts';
import {
  workflowActionBodySchema,
  workflowActionResultSchema,
  workflowDetailSchema,
  workflowHistoryQuerySchema,
  workflowHistorySchema,
  workflowIdParamsSchema,
  workflowResetBodySchema,
  workflowRunQuerySchema,
  workflowSignalBodySchema,
} from '../../schemas/workflow-detail.ts';
import type { PendingActivity, WorkflowActionResult, WorkflowChild, WorkflowDetail, WorkflowHistory } from '../../contracts/workflow-detail.ts';
import { createAuditLog } from '../../lib/audit/audit-log.ts';
import type { Principal } from '../auth/principal.ts';
import { actorOf } from '../audit-actor.ts';
import type { ApiDeps } from '../deps.ts';
import { HttpProblem, notFound } from '../problem.ts';
import { toSummary } from '../workflow-summaries.ts';
import { BUSINESS_SUMMARIES } from '../workflow-business-summary.ts';
import { decodePayloads, renderHistory, timestampIso } from '../workflow-history.ts';
import { resetPoint } from '../workflow-reset.ts';
import { defineRoute } from './registry.ts';

/** gRPC status NOT_FOUND. */
const GRPC_NOT_FOUND = 5;
/** gRPC statuses Temporal answers a reset it will not do with (e.g. a reset point it does not accept). */
const GRPC_REFUSALS = new Set([3 /* INVALID_ARGUMENT */, 9 /* FAILED_PRECONDITION */]);
const SUMMARY_QUERY_TIMEOUT_MS = 5_000;
const HISTORY_PAGE_SIZE = 1_000;
/** Enums are exported both ways (number → name too). */
const PendingActivityStateNames = proto.temporal.api.enums.v1.PendingActivityState as unknown as Record<number, string>;

/** Engineers and admins see payloads; ops and API tokens do not. */
export const maySeePayloads = (principal: Principal | null | undefined) =>
  principal?.kind === 'user' && principal.user.roles.some((r) => r === 'engineer' || r === 'admin');

const notRunning = (workflowId: string, status: string) =>
  new HttpProblem(409, 'not-running', 'Conflict', `Workflow ${workflowId} is ${status.toLowerCase()}, not running`);

const isNotFound = (err: unknown) => err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND);

type Failure = proto.temporal.api.failure.v1.IFailure;
type ResetRequest = proto.temporal.api.workflowservice.v1.IResetWorkflowExecutionRequest;

export const workflowDetailRoutes = ({ temporal, config, models }: ApiDeps) => {
  const audit = createAuditLog(models.AuditEntry);
  /** Read when needed: the client's data converter (the encrypting codec). */
  const converter = () => temporal.options.loadedDataConverter;
  const ui = { baseUrl: config.temporal.uiUrl, namespace: config.temporal.namespace };

  const handleOf = (workflowId: string, runId?: string) => temporal.workflow.getHandle(workflowId, runId);

  async function describe(workflowId: string, runId: string | undefined): Promise<WorkflowExecutionDescription> {
    try {
      return await handleOf(workflowId, runId).describe();
    } catch (err) {
      if (isNotFound(err)) throw notFound(`No workflow ${workflowId}${runId ? ` with run ${runId}` : ''}`);
      throw err;
    }
  }

  async function lastFailure(failure: Failure | null | undefined, decode: boolean): Promise<PendingActivity['lastFailure']> {
    if (!failure) return null;
    const type = failure.applicationFailureInfo?.type || (failure.timeoutFailureInfo ? 'Timeout' : failure.canceledFailureInfo ? 'Cancelled' : null);
    if (!decode) return { type, message: null, redacted: true };
    let message = failure.message ?? null;
    if (failure.encodedAttributes) {
      const [attrs] = await decodePayloads(converter(), [failure.encodedAttributes as never]);
      const m = (attrs as { message?: unknown } | undefined)?.message;
      message = typeof m === 'string' ? m : '(the failure message cannot be decoded)';
    }
    return { type, message, redacted: false };
  }

  /** Children: pending ones from the description, closed ones from visibility (when the server indexes ParentWorkflowId). */
  async function children(desc: WorkflowExecutionDescription): Promise<WorkflowChild[]> {
    const pending: WorkflowChild[] = (desc.raw.pendingChildren ?? []).map((c) => ({
      workflowId: c.workflowId ?? '',
      runId: c.runId || null,
      type: c.workflowTypeName ?? '',
      status: 'RUNNING',
    }));
    const seen = new Set(pending.map((c) => c.workflowId));
    try {
      const res = await temporal.workflowService.listWorkflowExecutions({
        namespace: config.temporal.namespace,
        pageSize: 100,
        query: `ParentWorkflowId = '${desc.workflowId.replaceAll("'", "\\'")}' AND ParentRunId = '${desc.runId}'`,
      });
      for (const e of res.executions ?? []) {
        const s = toSummary(e, ui);
        if (seen.has(s.workflowId)) continue;
        seen.add(s.workflowId);
        pending.push({ workflowId: s.workflowId, runId: s.runId, type: s.type, status: s.status });
      }
    } catch {
      // Visibility stores without parent fields: the pending children are all we know.
    }
    return pending;
  }

  async function businessSummary(desc: WorkflowExecutionDescription): Promise<Pick<WorkflowDetail, 'summary' | 'summaryError'>> {
    const entry = BUSINESS_SUMMARIES[desc.type];
    if (!entry) return { summary: null, summaryError: null };
    try {
      const state = await temporal.withDeadline(Date.now() + SUMMARY_QUERY_TIMEOUT_MS, () => handleOf(desc.workflowId, desc.runId).query<unknown>(entry.query));
      return { summary: { query: entry.query, ...entry.read(state, new Date()), state }, summaryError: null };
    } catch (err) {
      return { summary: null, summaryError: `The ${entry.query} query was not answered: ${err instanceof Error ? err.message.split('\n')[0] : 'unknown error'}` };
    }
  }

  async function detailOf(desc: WorkflowExecutionDescription, decode: boolean): Promise<WorkflowDetail> {
    const summary = toSummary(desc.raw.workflowExecutionInfo ?? {}, ui);
    const searchAttributes = Object.fromEntries(desc.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
    const [kids, business, pendingActivities] = await Promise.all([
      children(desc),
      businessSummary(desc),
      Promise.all(
        (desc.raw.pendingActivities ?? []).map(
          async (a): Promise<PendingActivity> => ({
            activityId: a.activityId ?? '',
            type: a.activityType?.name ?? '',
            state: (PendingActivityStateNames[a.state ?? 0] ?? 'UNSPECIFIED').replace(/^PENDING_ACTIVITY_STATE_/, ''),
            attempt: a.attempt ?? 0,
            maximumAttempts: a.maximumAttempts ?? 0,
            scheduledTime: timestampIso(a.scheduledTime as never),
            lastStartedTime: timestampIso(a.lastStartedTime as never),
            lastHeartbeatTime: timestampIso(a.lastHeartbeatTime as never),
            nextAttemptScheduleTime: timestampIso(a.nextAttemptScheduleTime as never),
            lastFailure: await lastFailure(a.lastFailure, decode),
          }),
        ),
      ),
    ]);
    return {
      workflowId: desc.workflowId,
      runId: desc.runId,
      type: desc.type,
      status: summary.status,
      startTime: desc.startTime.toISOString(),
      executionTime: desc.executionTime?.toISOString() ?? null,
      closeTime: desc.closeTime?.toISOString() ?? null,
      taskQueue: desc.taskQueue,
      historyLength: desc.historyLength,
      searchAttributes,
      parent: desc.parentExecution ? { workflowId: desc.parentExecution.workflowId ?? '', runId: desc.parentExecution.runId || null } : null,
      children: kids,
      pendingActivities,
      ...business,
      temporalUiUrl: summary.temporalUiUrl,
    };
  }

  /** Describes the execution (404), refuses unless it runs (409), acts on exactly that run, then audits. */
  async function act(
    action: WorkflowActionResult['action'],
    workflowId: string,
    body: { reason: string; runId?: string },
    principal: Principal | null,
    run: (handle: WorkflowHandle) => Promise<unknown>,
    extra: Record<string, unknown> = {},
  ): Promise<WorkflowActionResult> {
    const refuse = async (problem: HttpProblem): Promise<never> => {
      await audit.append({ actor: actorOf(principal), action: `workflow.${action}.refused`, target: { type: 'workflow', id: workflowId }, details: { reason: problem.slug, status: problem.status } });
      throw problem;
    };
    let desc: WorkflowExecutionDescription;
    try {
      desc = await describe(workflowId, body.runId);
    } catch (err) {
      if (err instanceof HttpProblem) return refuse(err);
      throw err;
    }
    if (desc.status.name !== 'RUNNING') return refuse(notRunning(workflowId, desc.status.name));
    try {
      await run(handleOf(workflowId, desc.runId));
    } catch (err) {
      // It ran a moment ago: it closed in between.
      if (isNotFound(err)) return refuse(notRunning(workflowId, 'closed'));
      throw err;
    }
    const entry = await audit.append({
      actor: actorOf(principal),
      action: `workflow.${action}`,
      target: { type: 'workflow', id: workflowId },
      details: { runId: desc.runId, workflowType: desc.type, reason: body.reason.trim(), ...extra },
    });
    return { workflowId, runId: desc.runId, action, auditSeq: entry.seq };
  }

  const actionResponses = {
    200: { description: 'done, with the audit entry’s sequence number', schema: workflowActionResultSchema },
    400: { description: 'no reason given, or a malformed body', schema: problemSchema },
    404: { description: 'no such workflow (or run)', schema: problemSchema },
    409: { description: 'the workflow is not running', schema: problemSchema },
  };
  const byActor = (verb: string, principal: Principal | null) => {
    const a = actorOf(principal);
    return `${verb} from the LORO console by ${a.kind}${a.id ? ` ${a.id}` : ''}; the reason is in the audit log`;
  };
  const terminatedBy = (principal: Principal | null) => byActor('Terminated', principal);

  /**
   * Resets a run (running or closed) to the end of a workflow task: Temporal terminates the run if it still runs and
   * starts a new one with the history up to that point (signals after it are re-applied). The request ID makes it
   * idempotent: a retry finds the first reset in the audit log and answers it, and Temporal gets the same ID.
   */
  async function reset(workflowId: string, body: { reason: string; runId?: string; eventId?: number; requestId?: string }, principal: Principal | null): Promise<WorkflowActionResult> {
    const requestId = body.requestId ?? randomUUID();
    const earlier = await models.AuditEntry.findOne({ action: 'workflow.reset', 'target.id': workflowId, 'details.requestId': requestId }).lean();
    if (earlier) {
      const d = earlier.details as { runId: string; newRunId: string; eventId: number };
      return { workflowId, runId: d.runId, newRunId: d.newRunId, eventId: d.eventId, action: 'reset', auditSeq: earlier._id };
    }
    const refuse = async (problem: HttpProblem): Promise<never> => {
      await audit.append({ actor: actorOf(principal), action: 'workflow.reset.refused', target: { type: 'workflow', id: workflowId }, details: { reason: problem.slug, status: problem.status } });
      throw problem;
    };
    let runId: string;
    let workflowType: string;
    let eventId: number;
    let newRunId: string;
    try {
      const desc = await describe(workflowId, body.runId);
      ({ runId, type: workflowType } = desc);
      eventId = await resetPoint(temporal, config.temporal.namespace, { workflowId, runId }, body.eventId);
      const res = await temporal.workflowService.resetWorkflowExecution({
        namespace: config.temporal.namespace,
        workflowExecution: { workflowId, runId },
        reason: byActor('Reset', principal),
        // protobufjs encodes a JS number into the int64 field; its typings only spell Long.
        workflowTaskFinishEventId: eventId as unknown as ResetRequest['workflowTaskFinishEventId'],
        requestId,
        resetReapplyType: proto.temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_SIGNAL,
      });
      newRunId = res.runId ?? '';
    } catch (err) {
      if (err instanceof HttpProblem) return refuse(err);
      if (isGrpcServiceError(err) && err.code !== undefined && GRPC_REFUSALS.has(err.code)) {
        return refuse(new HttpProblem(409, 'reset-refused', 'Conflict', `Temporal refused to reset ${workflowId}: ${err.details ?? 'no reason given'}`));
      }
      throw err;
    }
    const entry = await audit.append({
      actor: actorOf(principal),
      action: 'workflow.reset',
      target: { type: 'workflow', id: workflowId },
      details: { runId, newRunId, eventId, requestId, workflowType, reason: body.reason.trim() },
    });
    return { workflowId, runId, newRunId, eventId, action: 'reset', auditSeq: entry.seq };
  }

  return [
    defineRoute({
      method: 'get',
      path: '/api/workflows/:workflowId',
      summary: 'One workflow execution: status, times, search attributes, parent and children, pending activities, and a business summary from its own state query',
      tag: 'workflows',
      access: { roles: ['ops', 'engineer', 'admin'], scope: 'workflows:read' },
      params: workflowIdParamsSchema,
      query: workflowRunQuerySchema,
      responses: { 200: { description: 'the execution (the latest run unless runId is given)', schema: workflowDetailSchema }, 404: { description: 'no such workflow', schema: problemSchema } },
      async handler({ params, query, principal, res }) {
        const desc = await describe(params.workflowId, query.runId);
        res.set('cache-control', 'no-store');
        return detailOf(desc, maySeePayloads(principal));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/workflows/:workflowId/history',
      summary: 'The event history: payloads decoded for engineers and admins, each replaced by { $redacted, bytes } for everyone else; ?download=1 answers a JSON file',
      tag: 'workflows',
      access: { roles: ['ops', 'engineer', 'admin'], scope: 'workflows:read' },
      params: workflowIdParamsSchema,
      query: workflowHistoryQuerySchema,
      responses: { 200: { description: 'the history', schema: workflowHistorySchema }, 404: { description: 'no such workflow', schema: problemSchema } },
      async handler({ params, query, principal, req, res }): Promise<WorkflowHistory> {
        const { workflowId } = params;
        const desc = await describe(workflowId, query.runId);
        const raw: proto.temporal.api.history.v1.IHistoryEvent[] = [];
        let nextPageToken: Uint8Array | undefined;
        do {
          const page = await temporal.workflowService.getWorkflowExecutionHistory({
            namespace: config.temporal.namespace,
            execution: { workflowId, runId: desc.runId },
            maximumPageSize: HISTORY_PAGE_SIZE,
            nextPageToken,
          });
          raw.push(...(page.history?.events ?? []));
          nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
        } while (nextPageToken);
        const decode = maySeePayloads(principal);
        const events = await renderHistory(raw, decode ? { decode: true, converter: converter() } : { decode: false });
        if (decode) req.log.info({ userId: actorOf(principal).id, workflowId, runId: desc.runId, events: events.length }, 'workflow history decoded');
        res.set('cache-control', 'no-store');
        if (query.download) {
          const file = `${workflowId}-${desc.runId}-history.json`.replace(/[^\w.-]+/g, '_');
          res.set('content-disposition', `attachment; filename="${file}"`);
        }
        return { workflowId, runId: desc.runId, decoded: decode, events };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/workflows/:workflowId/signal',
      summary: 'Send a signal to a running workflow, with a reason (audited; the arguments are not)',
      tag: 'workflows',
      access: { roles: ['engineer', 'admin'] },
      params: workflowIdParamsSchema,
      body: workflowSignalBodySchema,
      responses: actionResponses,
      handler: ({ params, body, principal }) =>
        act('signal', params.workflowId, body, principal, (h) => h.signal(body.name, ...(body.args ?? [])), { signal: body.name, args: body.args?.length ?? 0 }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/workflows/:workflowId/cancel',
      summary: 'Request cancellation of a running workflow, with a reason (audited)',
      tag: 'workflows',
      access: { roles: ['engineer', 'admin'] },
      params: workflowIdParamsSchema,
      body: workflowActionBodySchema,
      responses: actionResponses,
      handler: ({ params, body, principal }) => act('cancel', params.workflowId, body, principal, (h) => h.cancel()),
    }),
    defineRoute({
      method: 'post',
      path: '/api/workflows/:workflowId/terminate',
      summary: 'Terminate a running workflow at once, with a reason (audited)',
      tag: 'workflows',
      access: { roles: ['engineer', 'admin'] },
      params: workflowIdParamsSchema,
      body: workflowActionBodySchema,
      responses: actionResponses,
      handler: ({ params, body, principal }) => act('terminate', params.workflowId, body, principal, (h) => h.terminate(terminatedBy(principal))),
    }),
    defineRoute({
      method: 'post',
      path: '/api/workflows/:workflowId/reset',
      summary: 'Reset a run to its last completed workflow task (or a chosen workflow task event): a new run continues from there; with a reason (audited), idempotent by requestId',
      tag: 'workflows',
      access: { roles: ['engineer', 'admin'] },
      params: workflowIdParamsSchema,
      body: workflowResetBodySchema,
      responses: {
        ...actionResponses,
        400: { description: 'no reason given, a malformed body, or an eventId that is no workflow task event of the run', schema: problemSchema },
        409: { description: 'nothing to reset to, or Temporal refused the reset', schema: problemSchema },
      },
      handler: ({ params, body, principal }) => reset(params.workflowId, body, principal),
    }),
  ];
};
