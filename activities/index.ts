/** All activities, built from their dependencies (the worker and the tests pass real ones). */
import type { Models } from '../models/index.ts';
import type { Mailer } from '../lib/mailer.ts';
import { createOnboardingActivities } from './accounts/onboarding.ts';
import { createRetentionActivities } from './housekeeping/retention.ts';
import { createAuditActivities } from './audit/milestones.ts';

export interface ActivityDeps {
  models: Models;
  mailer: Mailer;
  crmUrl: string;
  /** How long raw usage events are kept (USAGE_RETENTION_DAYS). */
  usageRetentionDays: number;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createOnboardingActivities(deps),
    ...createRetentionActivities(deps),
    ...createAuditActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
