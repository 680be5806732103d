/**
 * Where a reset goes: Temporal resets to the end of a workflow task (its Completed, Failed or TimedOut event). By
 * default the last completed one — the latest point the workflow's own code reached — found by reading the history
 * backwards, so a long history is not read whole; a chosen event is checked to be such an event.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { badRequest, HttpProblem } from './problem.ts';

const { EventType } = proto.temporal.api.enums.v1;
const RESETTABLE = new Set<number>([EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT]);
const PAGE_SIZE = 500;

const eventNumber = (id: unknown) => (typeof id === 'number' ? id : Number((id as { toString(): string } | null | undefined)?.toString() ?? 0));

export async function resetPoint(temporal: Client, namespace: string, execution: { workflowId: string; runId: string }, eventId?: number): Promise<number> {
  const service = temporal.workflowService;
  let nextPageToken: Uint8Array | undefined;
  if (eventId === undefined) {
    do {
      const page = await service.getWorkflowExecutionHistoryReverse({ namespace, execution, maximumPageSize: PAGE_SIZE, nextPageToken });
      const found = (page.history?.events ?? []).find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
      if (found) return eventNumber(found.eventId);
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    throw new HttpProblem(409, 'nothing-to-reset', 'Conflict', `Workflow ${execution.workflowId} has no completed workflow task to reset to`);
  }
  do {
    const page = await service.getWorkflowExecutionHistory({ namespace, execution, maximumPageSize: PAGE_SIZE, nextPageToken });
    for (const e of page.history?.events ?? []) {
      const id = eventNumber(e.eventId);
      if (id < eventId) continue;
      if (id === eventId && RESETTABLE.has(e.eventType ?? 0)) return id;
      throw badRequest([{ path: '/body/eventId', message: 'must be a WorkflowTaskCompleted, WorkflowTaskFailed or WorkflowTaskTimedOut event of this run' }]);
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  throw badRequest([{ path: '/body/eventId', message: 'is not an event of this run' }]);
}
