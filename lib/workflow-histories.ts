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
  /** Every execution (open or closed) whose LoroLeadId is the lead. */
  listLeadWorkflows(leadId: string): Promise<WorkflowExecutionRef[]>;
  /** Deletes one execution; one already gone counts as deleted. */
  deleteWorkflow(execution: WorkflowExecutionRef): Promise<void>;
}

/** IDs go into visibility queries: only opaque IDs of this exact shape are accepted. */
const OPAQUE_ID = /^[a-z]{3}_[A-Za-z0-9]{1,64}$/;
const GRPC_NOT_FOUND = 5;

export function temporalHistoryStore(client: Client): WorkflowHistoryStore {
  const listBy = async (attribute: 'LoroAccountId' | 'LoroLeadId', id: string) => {
    if (!OPAQUE_ID.test(id)) throw new TypeError(`not an opaque ID: ${id}`);
    const found: WorkflowExecutionRef[] = [];
    for await (const w of client.workflow.list({ query: `${attribute} = '${id}'` })) found.push({ workflowId: w.workflowId, runId: w.runId });
    return found;
  };
  return {
    listAccountWorkflows: (accountId) => listBy('LoroAccountId', accountId),
    listLeadWorkflows: (leadId) => listBy('LoroLeadId', leadId),
    async deleteWorkflow({ workflowId, runId }) {
      try {
        await client.workflowService.deleteWorkflowExecution({ namespace: client.options.namespace, workflowExecution: { workflowId, runId } });
      } catch (err) {
        if ((err as { code?: number }).code !== GRPC_NOT_FOUND) throw err;
      }
    },
  };
}
