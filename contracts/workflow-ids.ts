/** Workflow IDs are business keys: starting the same process twice for the same thing finds the running one. */
export const workflowIds = {
  accountOnboarding: (accountId: string) => `account-onboarding-${accountId}`,
  /** One per account: a second cancellation request finds the running one. */
  accountCancellation: (accountId: string) => `account-cancellation-${accountId}`,
  /** The portable export a cancellation prepares (its child workflow). */
  cancellationExport: (accountId: string) => `account-cancellation-${accountId}-export`,
  /** One per hour of the morning trigger (`2026-11-25T06`). */
  morningPlanning: (hour: string) => `morning-planning-${hour}`,
  /** One per account, region and local day: the scheduler's morning start and the console's find the same one. */
  dailyRoutePlanning: (accountId: string, region: string, date: string) => `route-planning-${accountId}-${region}-${date}`,
  /** One per person: asking twice to be forgotten finds the erasure already under way (or done). */
  personErasure: (accountId: string, personType: string, personId: string) => `person-erasure-${accountId}-${personType}-${personId}`,
  retentionSweep: (day: string) => `retention-sweep-${day}`,
  /** One per 15-minute slot (`2026-11-25T15:15`) from the scheduler; `on-demand` for the API's (joins a running one). */
  usageRollUp: (slot: string) => `usage-roll-up-${slot}`,
  /** One per privacy-policy version: publishing the same version again finds the broadcast already started. */
  policyChangeBroadcast: (version: number) => `policy-change-broadcast-v${version}`,
  /** One per security event (`sec_…`): a second start of the same alert finds the first, so it mails once. */
  securityAlert: (eventId: string) => `security-alert-${eventId}`,
  /** One per export (`exp_…`) of an account: the account ID is embedded so the payload codec uses its key. */
  dataExport: (accountId: string, exportId: string) => `data-export-${accountId}-${exportId}`,
  /** One per lead and sequence (an enrollment): enrolling again finds the running one; under the account's key. */
  leadNurturing: (accountId: string, leadId: string, sequenceId: string) => `lead-nurturing-${accountId}-${leadId}-${sequenceId}`,
  /** One per created lead or CSV import (`led_…` / `imp_…`): the automatic enrollment of new leads runs once. */
  leadAutoEnrollment: (accountId: string, leadOrImportId: string) => `lead-auto-enrollment-${accountId}-${leadOrImportId}`,
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

/**
 * Workflows that destroy their account's data key and must go on after it: an account's cancellation (with the
 * export it prepares) ends by shredding the key, then issues the deletion certificate — a workflow whose own
 * payloads were under that key could not even replay. Their payloads are IDs, dates and counts, never personal
 * data, and go under the system key.
 */
const OUTLIVES_ACCOUNT_KEY = /^account-cancellation-/;

/** Whose data key encrypts a workflow's payloads: its account's (accountOfWorkflowId), else the system's (undefined). */
export function payloadKeyOwnerOfWorkflowId(workflowId: string): string | undefined {
  return OUTLIVES_ACCOUNT_KEY.test(workflowId) ? undefined : accountOfWorkflowId(workflowId);
}

const ACCOUNT_ID_IN_KEY = /(?:^|-)(acc_[0-9a-f]{32})(?=-|$)/;
