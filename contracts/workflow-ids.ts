/** Workflow IDs are business keys: starting the same process twice for the same thing finds the running one. */
export const workflowIds = {
  accountOnboarding: (accountId: string) => `account-onboarding-${accountId}`,
  retentionSweep: (day: string) => `retention-sweep-${day}`,
} as const;

/**
 * The account a workflow belongs to, read from its ID: a workflow about one account embeds that account's ID
 * (`acc_` + 32 hex) as a dash-delimited part of its business key. The payload codec encrypts such a workflow's
 * payloads under the account's data key, so crypto-shredding the account makes them unreadable — a new
 * account-scoped workflow must therefore embed the account ID in its ID. IDs without one belong to the system.
 */
export function accountOfWorkflowId(workflowId: string): string | undefined {
  return ACCOUNT_ID_IN_KEY.exec(workflowId)?.[1];
}

const ACCOUNT_ID_IN_KEY = /(?:^|-)(acc_[0-9a-f]{32})(?=-|$)/;
