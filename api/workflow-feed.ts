/**
 * Live workflow statuses for the console. Temporal has no push API for visibility, so one poller per API
 * process asks for executions started or closed since its last look, and only while someone is watching.
 */
import type { Client } from '@temporalio/client';
import type { WorkflowExecutionSummary } from '../contracts/api-types.ts';
import type { Logger } from '../lib/logger.ts';
import { toSummary } from './workflow-summaries.ts';

export interface WorkflowFeedOptions {
  client: Client;
  namespace: string;
  uiUrl?: string;
  intervalMs?: number;
  logger: Logger;
  onChange(summary: WorkflowExecutionSummary): void;
}

export function createWorkflowFeed(opts: WorkflowFeedOptions) {
  const seen = new Map<string, string>(); // runId → status
  let timer: NodeJS.Timeout | undefined;
  let since = new Date(Date.now() - 60_000);
  let polling = false;

  async function poll() {
    if (polling) return;
    polling = true;
    // Overlap the window by a few seconds: visibility is eventually consistent.
    const from = new Date(since.getTime() - 5_000).toISOString();
    const next = new Date();
    try {
      let nextPageToken: Uint8Array | undefined;
      do {
        const res = await opts.client.workflowService.listWorkflowExecutions({
          namespace: opts.namespace,
          pageSize: 200,
          nextPageToken,
          query: `StartTime >= '${from}' OR CloseTime >= '${from}' OR ExecutionStatus = 'Running'`,
        });
        for (const info of res.executions ?? []) {
          const summary = toSummary(info, { baseUrl: opts.uiUrl, namespace: opts.namespace });
          if (seen.get(summary.runId) !== summary.status) {
            seen.set(summary.runId, summary.status);
            opts.onChange(summary);
          }
        }
        nextPageToken = res.nextPageToken?.length ? res.nextPageToken : undefined;
      } while (nextPageToken);
      since = next;
    } catch (err) {
      opts.logger.warn({ err }, 'workflow feed poll failed; retrying');
    } finally {
      polling = false;
    }
  }

  return {
    start() {
      if (timer) return;
      since = new Date(Date.now() - 60_000);
      timer = setInterval(() => void poll(), opts.intervalMs ?? 1000);
      void poll();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    get running() {
      return timer !== undefined;
    },
  };
}
