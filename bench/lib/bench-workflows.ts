/** The engine's workflows plus the bench's no-op one, in one bundle: a baseline run by the same worker and queue. */
export * from '../../workflows/index.ts';
export { benchNoop } from './noop-workflow.ts';
