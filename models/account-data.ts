/**
 * Every collection that holds an account's data, and how each is treated when the account is exported or
 * purged. One list, so a new collection cannot be forgotten by one path and not another: a unit test fails when
 * a model with an `accountId` path is missing here.
 */
import type { Models } from './index.ts';

export type AccountDataTreatment =
  /** Exported, then deleted at the purge. */
  | 'personal'
  /** Exported; kept past the purge with personal fields removed until its legal retention ends. */
  | 'financial'
  /** Not exported (operational records of the engine itself), deleted at the purge. */
  | 'operational'
  /** Kept: evidence of what was done and why (legal holds; the audit chain lives apart and names no person). */
  | 'evidence';

export interface AccountDataStore {
  model: keyof Models;
  /** The path naming the account. */
  accountPath: string;
  treatment: AccountDataTreatment;
  /** Why evidence is kept (it appears on the deletion certificate). */
  reason?: string;
}

export const ACCOUNT_DATA: readonly AccountDataStore[] = [
  { model: 'Lead', accountPath: 'accountId', treatment: 'personal' },
  { model: 'Technician', accountPath: 'accountId', treatment: 'personal' },
  { model: 'Job', accountPath: 'accountId', treatment: 'personal' },
  { model: 'RoutePlan', accountPath: 'accountId', treatment: 'personal' },
  { model: 'LocationPoint', accountPath: 'accountId', treatment: 'personal' },
  { model: 'UsageEvent', accountPath: 'accountId', treatment: 'personal' },
  { model: 'UsageDaily', accountPath: 'accountId', treatment: 'personal' },
  { model: 'Invoice', accountPath: 'accountId', treatment: 'financial' },
  { model: 'Payment', accountPath: 'accountId', treatment: 'financial' },
  { model: 'Sequence', accountPath: 'accountId', treatment: 'personal' },
  { model: 'SequenceVersion', accountPath: 'accountId', treatment: 'personal' },
  { model: 'Enrollment', accountPath: 'accountId', treatment: 'personal' },
  { model: 'EngagementEvent', accountPath: 'accountId', treatment: 'personal' },
  { model: 'NurturingMessage', accountPath: 'accountId', treatment: 'personal' },
  { model: 'SalesTask', accountPath: 'accountId', treatment: 'personal' },
  { model: 'Notification', accountPath: 'accountId', treatment: 'operational' },
  { model: 'Consent', accountPath: 'accountId', treatment: 'personal' },
  { model: 'LegalHold', accountPath: 'accountId', treatment: 'evidence', reason: 'legal hold records: evidence of why deletion was suspended' },
  { model: 'DeletionCertificate', accountPath: 'accountId', treatment: 'evidence', reason: 'deletion certificates: proof of earlier erasures (counts and IDs only)' },
  // Export records; their archives (GridFS) go with lib/exports/store.ts deleteAccountExports.
  { model: 'DataExport', accountPath: 'accountId', treatment: 'operational' },
  { model: 'Account', accountPath: '_id', treatment: 'personal' },
];

/** Where one person's data lives, per kind of person: what a person's erasure deletes. */
export interface PersonDataStore {
  model: keyof Models;
  /** The filter finding the person's records, given the account and the person's ID. */
  filter: (accountId: string, personId: string) => Record<string, string>;
}

export const PERSON_KINDS = ['lead', 'technician'] as const;
export type PersonKind = (typeof PERSON_KINDS)[number];

export const PERSON_DATA: Readonly<Record<PersonKind, readonly PersonDataStore[]>> = {
  lead: [
    { model: 'EngagementEvent', filter: (accountId, id) => ({ accountId, leadId: id }) },
    { model: 'NurturingMessage', filter: (accountId, id) => ({ accountId, leadId: id }) },
    { model: 'SalesTask', filter: (accountId, id) => ({ accountId, leadId: id }) },
    { model: 'Enrollment', filter: (accountId, id) => ({ accountId, leadId: id }) },
    { model: 'Lead', filter: (accountId, id) => ({ accountId, _id: id }) },
    { model: 'Consent', filter: (accountId, id) => ({ accountId, subjectType: 'lead', subjectId: id }) },
  ],
  technician: [
    { model: 'LocationPoint', filter: (accountId, id) => ({ accountId, technicianId: id }) },
    { model: 'Technician', filter: (accountId, id) => ({ accountId, _id: id }) },
    { model: 'Consent', filter: (accountId, id) => ({ accountId, subjectType: 'technician', subjectId: id }) },
  ],
};
