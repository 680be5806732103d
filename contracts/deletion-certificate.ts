/** What an erasure workflow gathers for its deletion certificate: counts and opaque IDs only. */
export interface StoreCount {
  store: string;
  count: number;
}

export interface FinancialRetention extends StoreCount {
  until: string;
}

export interface RetainedRecords extends StoreCount {
  reason: string;
  until: string | null;
}

export interface CertificateInput {
  certificateId: string;
  scope: 'account' | 'person';
  accountId: string;
  subject?: { type: string; id: string };
  workflowId: string;
  requestedAt: string;
  purgeStartedAt: string;
  deleted: StoreCount[];
  retained: RetainedRecords[];
  exports: { files: number; bytes: number };
  workflowHistoriesDeleted: number;
  keyDestruction?: { keyIds: string[]; destroyedAt: string };
}

export const RETENTION_REASONS = {
  financial: 'financial records kept for their legal retention period, personal fields removed',
} as const;
