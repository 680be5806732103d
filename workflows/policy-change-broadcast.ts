/**
 * Notice of changes: a new privacy-policy version is mailed to every active console user and every owner of an
 * active customer account, exactly once each. The workflow pages through the audience (the activity hands back
 * IDs only), mails one batch per activity, pauses between batches — the pause is the rate limit — and continues
 * as new every few batches so the history stays small however large the audience. Its ID is the version
 * (contracts/workflow-ids.ts), and each mail's idempotency key is that ID plus the recipient, so neither a second
 * publish, nor a retried batch, nor a worker killed mid-batch mails anyone twice.
 */
import { continueAsNew, defineQuery, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities/index.ts';
import type { PolicyRecipientCursor } from '../activities/privacy/policy-notices.ts';

export interface PolicyChangeBroadcastProgress {
  version: number;
  /** Recipients counted when the broadcast started (people added later are mailed if the paging reaches them). */
  total: number;
  /** Recipients who have the notice: mailed by this broadcast, including those found already mailed on a retry. */
  sent: number;
  /** Of `sent`, those a retried batch found in the mail ledger (sent before a crash): not mailed again. */
  alreadySent: number;
  /** Listed, but disabled, cancelled, deleted or shredded by the time their batch ran: not mailed. */
  skipped: number;
  batches: number;
  /** Runs of the workflow so far (it continues as new every `batchesPerRun` batches). */
  runs: number;
  done: boolean;
}

export interface PolicyChangeBroadcastInput {
  version: number;
  /** Recipients per batch (one activity each). */
  batchSize?: number;
  /** The pause after each batch: batchSize / pause is the sending rate. */
  pauseBetweenBatches?: Duration;
  /** Batches per run before continuing as new (bounds the history: ~6 events per batch). */
  batchesPerRun?: number;
  /** Carried across continue-as-new; not set by callers. */
  resume?: { cursor: PolicyRecipientCursor; progress: PolicyChangeBroadcastProgress };
}

export const DEFAULT_BATCH_SIZE = 50;
export const DEFAULT_PAUSE_BETWEEN_BATCHES = '1 minute';
export const DEFAULT_BATCHES_PER_RUN = 100;

export const broadcastProgressQuery = defineQuery<PolicyChangeBroadcastProgress>('broadcastProgress');

const { countPolicyRecipients, listPolicyRecipients } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// A batch mails one recipient after the other and heartbeats after each: a worker that dies mid-batch is noticed
// after the heartbeat timeout (not the much longer start-to-close), and the retry skips who the ledger says is done.
const { sendPolicyNotices } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export async function policyChangeBroadcast(input: PolicyChangeBroadcastInput): Promise<PolicyChangeBroadcastProgress> {
  const { version } = input;
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const pause = input.pauseBetweenBatches ?? DEFAULT_PAUSE_BETWEEN_BATCHES;
  const batchesPerRun = input.batchesPerRun ?? DEFAULT_BATCHES_PER_RUN;

  const progress: PolicyChangeBroadcastProgress = input.resume
    ? { ...input.resume.progress, runs: input.resume.progress.runs + 1 }
    : { version, total: 0, sent: 0, alreadySent: 0, skipped: 0, batches: 0, runs: 1, done: false };
  setHandler(broadcastProgressQuery, () => progress);
  if (!input.resume) progress.total = await countPolicyRecipients();

  let cursor: PolicyRecipientCursor | null = input.resume?.cursor ?? { audience: 'user', after: null };
  let batchesThisRun = 0;
  while (cursor) {
    if (batchesThisRun >= batchesPerRun) {
      await continueAsNew<typeof policyChangeBroadcast>({ version, batchSize, pauseBetweenBatches: pause, batchesPerRun, resume: { cursor, progress } });
    }
    const page: Awaited<ReturnType<typeof listPolicyRecipients>> = await listPolicyRecipients(cursor, batchSize);
    cursor = page.next;
    if (page.recipients.length === 0) continue;
    const result = await sendPolicyNotices(version, page.recipients);
    progress.sent += result.sent + result.alreadySent;
    progress.alreadySent += result.alreadySent;
    progress.skipped += result.skipped;
    progress.batches++;
    batchesThisRun++;
    if (cursor) await sleep(pause);
  }
  progress.done = true;
  return progress;
}
