/** All activities, built from their dependencies (the worker and the tests pass real ones). */
import type { Models } from '../models/index.ts';
import type { Mailer } from '../lib/mailer.ts';
import type { Keyring } from '../lib/crypto/keyring.ts';
import type { Config } from '../config/index.ts';
import { createLinkSigner } from '../lib/signed-links.ts';
import type { WorkflowHistoryStore } from '../lib/workflow-histories.ts';
import { createCancellationActivities } from './accounts/cancellation.ts';
import { createAccountPurgeActivities } from './erasure/account-purge.ts';
import { createCertificateActivities } from './erasure/certificate.ts';
import { createPersonErasureActivities } from './erasure/person-erasure.ts';
import { createOnboardingActivities } from './accounts/onboarding.ts';
import { createRetentionActivities } from './housekeeping/retention.ts';
import { createAuditActivities } from './audit/milestones.ts';
import { createPolicyNoticeActivities } from './privacy/policy-notices.ts';
import { createSecurityAlertActivities } from './security/alerts.ts';
import { createExportActivities } from './exports/data-export.ts';

export interface ActivityDeps {
  models: Models;
  mailer: Mailer;
  crmUrl: string;
  /** How long raw usage events are kept (USAGE_RETENTION_DAYS). */
  usageRetentionDays: number;
  /** The process's keyring (crypto-shredding, signed links). */
  keyring: Keyring;
  /** Public base URL of the API, for links in mail. */
  publicUrl: string;
  /** Temporal's store of workflow histories; by default the one the worker's client reaches. */
  histories?: WorkflowHistoryStore;
  /** How long a finished data export stays downloadable (EXPORT_TTL); default 7 days. */
  exportTtlMs?: number;
}

/** The dependencies every process builds the same way from its config and the connections it opened. */
export function activityDeps(config: Config, opened: { models: Models; mailer: Mailer; keyring: Keyring; histories?: WorkflowHistoryStore }): ActivityDeps {
  return { ...opened, crmUrl: config.crmUrl, usageRetentionDays: config.usageRetentionDays, publicUrl: config.http.publicUrl, exportTtlMs: config.exports.ttlMs };
}

export function createActivities(deps: ActivityDeps) {
  const links = createLinkSigner(deps.keyring);
  return {
    ...createCancellationActivities({ ...deps, links }),
    ...createAccountPurgeActivities(deps),
    ...createCertificateActivities(deps),
    ...createPersonErasureActivities(deps),
    ...createOnboardingActivities(deps),
    ...createRetentionActivities(deps),
    ...createAuditActivities(deps),
    ...createPolicyNoticeActivities(deps),
    ...createSecurityAlertActivities(deps),
    ...createExportActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
