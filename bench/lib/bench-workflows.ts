/**
 * The engine's workflows plus the bench's baselines, in one bundle run by the same worker and queue:
 * - `benchNoop` completes in its first task;
 * - `benchNurturingShape` has a 3-step nurturing enrollment's shape — 3 local activities (send, send, finish) around
 *   a 1 s timer — with an activity that does nothing: what Temporal alone costs for that shape.
 */
import { proxyLocalActivities, sleep } from '@temporalio/workflow';

export * from '../../workflows/index.ts';
export { benchNoop } from './noop-workflow.ts';

const { benchNoopActivity } = proxyLocalActivities<{ benchNoopActivity(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function benchNurturingShape(waitMs: number): Promise<void> {
  await benchNoopActivity(); // send (taking the send slot)
  await sleep(waitMs);
  await benchNoopActivity(); // send
  await benchNoopActivity(); // finish the enrollment
}
