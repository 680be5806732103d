/**
 * Data export (portability, or the copy prepared at cancellation): builds the account's archive in one heartbeated
 * activity, which the export record and the console follow. Only IDs enter the history; the result is counts, size
 * and expiry. Started by the API (reason portability) or as a child of the account cancellation.
 */
import { ActivityFailure, ApplicationFailure, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export interface DataExportInput {
  accountId: string;
  exportId: string;
  reason: 'portability' | 'cancellation';
  /** A user ID or 'system'. */
  requestedBy: string;
}

export interface DataExportResult {
  exportId: string;
  records: number;
  bytes: number;
  /** ISO 8601: the archive and its download links expire then. */
  expiresAt: string;
}

export type DataExportState = 'preparing' | 'building' | 'ready' | 'failed';
export const dataExportStateQuery = defineQuery<DataExportState>('dataExportState');

const { prepareDataExport, failDataExport, recordMilestone } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// One account of a million records takes about a minute; the heartbeat notices a lost worker within 30 s.
const { buildDataExport } = proxyActivities<Activities>({
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', maximumAttempts: 10 },
});

export async function dataExport(input: DataExportInput): Promise<DataExportResult> {
  let state: DataExportState = 'preparing';
  setHandler(dataExportStateQuery, () => state);
  const target = { type: 'data-export', id: input.exportId };
  await prepareDataExport(input);
  state = 'building';
  try {
    const result = await buildDataExport(input.exportId);
    state = 'ready';
    await recordMilestone(target, 'export.ready');
    return result;
  } catch (err) {
    state = 'failed';
    const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? (err.cause.type ?? 'Error') : 'Error';
    await failDataExport(input.exportId, cause);
    await recordMilestone(target, 'export.failed');
    throw err;
  }
}
