// The console's API client: one module per resource, typed results, ApiError on failure.
export * as auth from './auth';
export * as workflows from './workflows';
export * as mail from './mail';
export * as profile from './profile';
export * as accounts from './accounts';
export * as privacy from './privacy';
export * as leads from './leads';
export * as sequences from './sequences';
export * as workflowDetail from './workflow-detail';
export * as workflowViews from './workflow-views';
export * as dashboard from './dashboard';
export * as admin from './admin';
export { ApiError, isAbort, isApiError } from './http';
export { userMessage, fieldErrors } from './errors';
export type * from './types';
export { WORKFLOW_STATUSES, FILTERABLE_STATUSES } from './types';
