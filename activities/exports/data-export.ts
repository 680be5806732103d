/**
 * The data export's activities (lib/exports/store.ts does the work). Building heartbeats with its progress and
 * writes it to the export record about once a second (the API pushes it to the console); a retry after a crash
 * starts the archive over under its own attempt's file, and a finished export is never built twice.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Models } from '../../models/index.ts';
import { CryptoError } from '../../lib/crypto/errors.ts';
import { buildExport, ensureExportRecord, markExportFailed, type BuiltExport, type ExportRequest } from '../../lib/exports/store.ts';
import { ExportNotAvailableError } from '../../lib/exports/errors.ts';

export const DEFAULT_EXPORT_TTL_MS = 7 * 24 * 3600_000;
const PROGRESS_EVERY_MS = 1_000;

export function createExportActivities({ models, exportTtlMs }: { models: Models; exportTtlMs?: number }) {
  return {
    /** Creates the export record (queued); refuses, for good, an account that does not exist. */
    async prepareDataExport(req: ExportRequest): Promise<void> {
      if (!(await models.Account.exists({ _id: req.accountId }))) {
        throw ApplicationFailure.create({ type: 'UnknownAccount', message: `no account ${req.accountId}`, nonRetryable: true });
      }
      await ensureExportRecord(models, req);
    },

    async buildDataExport(exportId: string): Promise<BuiltExport> {
      const ctx = Context.current();
      let last = 0;
      try {
        return await buildExport(models, exportId, {
          attempt: ctx.info.attempt,
          ttlMs: exportTtlMs ?? DEFAULT_EXPORT_TTL_MS,
          signal: ctx.cancellationSignal,
          onProgress: async (processed, total) => {
            ctx.heartbeat({ processed, total });
            if (Date.now() - last < PROGRESS_EVERY_MS) return;
            last = Date.now();
            await models.DataExport.updateOne({ _id: exportId, status: 'running' }, { $set: { progress: { processed, total } } });
          },
        });
      } catch (err) {
        // Errors name IDs only (lib/crypto/errors.ts, lib/exports/errors.ts); a shredded key or a missing export does not heal.
        if (err instanceof CryptoError || err instanceof ExportNotAvailableError) {
          throw ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
        }
        throw err;
      }
    },

    async failDataExport(exportId: string, errorName: string): Promise<void> {
      await markExportFailed(models, exportId, errorName);
    },
  };
}
