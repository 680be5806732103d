/** Every workflow the worker runs. Nothing here may import Node built-ins or I/O libraries. */
export { accountOnboarding } from './account-onboarding.ts';
export { retentionSweep } from './retention-sweep.ts';
