/**
 * Live export progress for the console. The worker cannot reach socket.io, but it writes progress to the export
 * records about once a second; one poller per API process reads the records changed since its last look, only
 * while someone is connected, and emits each change (no download links: those come from the API on request).
 */
import type { ExportSummary } from '../contracts/exports.ts';
import type { Logger } from '../lib/logger.ts';
import type { Models } from '../models/index.ts';
import { toExportSummary } from './routes/exports.ts';

export interface ExportFeedOptions {
  models: Models;
  logger: Logger;
  intervalMs?: number;
  onChange(summary: ExportSummary): void;
}

export function createExportFeed(opts: ExportFeedOptions) {
  const seen = new Map<string, string>(); // exportId → status and progress last sent
  let timer: NodeJS.Timeout | undefined;
  let since = new Date();
  let polling = false;

  async function poll() {
    if (polling) return;
    polling = true;
    const next = new Date();
    try {
      // Overlap the window a little: clocks of API and worker processes differ.
      const changed = await opts.models.DataExport.find({ updatedAt: { $gte: new Date(since.getTime() - 5_000) } })
        .select('-contentKey')
        .lean();
      for (const record of changed) {
        const key = `${record.status}|${record.progress?.processed ?? 0}|${record.progress?.total ?? 0}`;
        if (seen.get(record._id) === key) continue;
        seen.set(record._id, key);
        opts.onChange(await toExportSummary(record as Parameters<typeof toExportSummary>[0]));
      }
      since = next;
      if (seen.size > 10_000) seen.clear();
    } catch (err) {
      opts.logger.warn({ err }, 'export feed poll failed; retrying');
    } finally {
      polling = false;
    }
  }

  return {
    start() {
      if (timer) return;
      since = new Date();
      timer = setInterval(() => void poll(), opts.intervalMs ?? 1000);
      void poll();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
