/** Every workflow the worker runs. Nothing here may import Node built-ins or I/O libraries. */
export { accountOnboarding } from './account-onboarding.ts';
export { accountCancellation } from './account-cancellation.ts';
export { personErasure } from './person-erasure.ts';
export { retentionSweep } from './retention-sweep.ts';
export { usageRollUp } from './usage-roll-up.ts';
export { policyChangeBroadcast } from './policy-change-broadcast.ts';
export { securityAlert } from './security-alert.ts';
export { dataExport } from './data-export.ts';
export { leadNurturing } from './lead-nurturing.ts';
export { leadAutoEnrollment } from './lead-auto-enrollment.ts';
export { dailyRoutePlanning } from './daily-route-planning.ts';
export { morningPlanning } from './morning-planning.ts';
