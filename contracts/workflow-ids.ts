/** Workflow IDs are business keys: starting the same process twice for the same thing finds the running one. */
export const workflowIds = {
  accountOnboarding: (accountId: string) => `account-onboarding-${accountId}`,
  retentionSweep: (day: string) => `retention-sweep-${day}`,
} as const;
