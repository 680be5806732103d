/**
 * Temporal's store of an account's workflows: found by the LoroAccountId search attribute, deleted with their
 * histories and visibility records (a running one is terminated first by the server).
 */
import type { Client } from '@temporalio/client';

export interface WorkflowExecutionRef {
  workflowId: string;
  runId: string;
}

export interface WorkflowHistoryStore {
  /** Every execution (open or closed) whose LoroAccountId is the account. */
  listAccountWorkflows(accountId: string): Promise<WorkflowExecutionRef[]>;
  /** Deletes one execution; one already gone counts as deleted. */
  deleteWorkflow(execution: WorkflowExecutionRef): Promise<void>;
}

const ACCOUNT_ID = /^acc_[0-9a-f]{32}$/;
const GRPC_NOT_FOUND = 5;

export function temporalHistoryStore(client: Client): WorkflowHistoryStore {
  return {
    async listAccountWorkflows(accountId) {
      // The ID goes into a visibility query: only the exact opaque form is accepted.
      if (!ACCOUNT_ID.test(accountId)) throw new TypeError(`not an account ID: ${accountId}`);
      const found: WorkflowExecutionRef[] = [];
      for await (const w of client.workflow.list({ query: `LoroAccountId = '${accountId}'` })) found.push({ workflowId: w.workflowId, runId: w.runId });
      return found;
    },
    async deleteWorkflow({ workflowId, runId }) {
      try {
        await client.workflowService.deleteWorkflowExecution({ namespace: client.options.namespace, workflowExecution: { workflowId, runId } });
      } catch (err) {
        if ((err as { code?: number }).code !== GRPC_NOT_FOUND) throw err;
      }
    },
  };
}
