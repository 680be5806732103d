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
import { createPlanningActivities } from './field/planning.ts';
import { createMorningActivities } from './field/morning.ts';
import type { PlanningTimes } from '../lib/field/planning-day.ts';
import { createEstimateProvider, createRoutingProvider, type RoutingProvider } from '../routing/providers/index.ts';
import { createNurturingActivities } from './nurturing/lead-nurturing.ts';
import { createAutoEnrollmentActivities } from './nurturing/auto-enrollment.ts';

export interface ActivityDeps {
  models: Models;
  mailer: Mailer;
  crmUrl: string;
  /** How long raw usage events are kept (USAGE_RETENTION_DAYS). */
  usageRetentionDays: number;
  /** How long raw GPS positions are kept (LOCATION_RETENTION_DAYS). */
  locationRetentionDays: number;
  /** The planning day in each region's zone (PLANNING_LOCAL_TIME, PLANNING_APPROVAL_CUTOFF, PLANNING_DAY_END). */
  planningTimes: PlanningTimes;
  /** The process's keyring (crypto-shredding, signed links). */
  keyring: Keyring;
  /** Public base URL of the API, for links in mail. */
  publicUrl: string;
  /** Temporal's store of workflow histories; by default the one the worker's client reaches. */
  histories?: WorkflowHistoryStore;
  /** How long a finished data export stays downloadable (EXPORT_TTL); default 7 days. */
  exportTtlMs?: number;
  /** Road durations and distances for route planning (OSRM_URL → OSRM, else the great-circle estimate). */
  routing?: RoutingProvider;
  /** Nurturing mails per account and minute (NURTURING_SENDS_PER_MINUTE); default 600. */
  nurturingSendsPerMinute?: number;
}

/** The dependencies every process builds the same way from its config and the connections it opened. */
export function activityDeps(config: Config, opened: { models: Models; mailer: Mailer; keyring: Keyring; histories?: WorkflowHistoryStore }): ActivityDeps {
  return { ...opened, crmUrl: config.crmUrl, usageRetentionDays: config.usageRetentionDays, locationRetentionDays: config.locationRetentionDays, planningTimes: config.planning, publicUrl: config.http.publicUrl, exportTtlMs: config.exports.ttlMs, routing: createRoutingProvider(config.routing), nurturingSendsPerMinute: config.nurturing.sendsPerMinute };
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
    ...createMorningActivities({ ...deps, planningTimes: deps.planningTimes }),
    ...createPlanningActivities({ ...deps, routing: deps.routing ?? createEstimateProvider({ speedKmh: 40, detourFactor: 1.3 }) }),
    ...createNurturingActivities({ ...deps, links, sendsPerMinute: deps.nurturingSendsPerMinute ?? 600 }),
    ...createAutoEnrollmentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
