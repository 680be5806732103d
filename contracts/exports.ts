/** Data exports as the API and socket.io hand them to the console (the console imports this file). */
export const EXPORT_STATUSES = ['queued', 'running', 'ready', 'failed', 'expired'] as const;
export type ExportStatusName = (typeof EXPORT_STATUSES)[number];

export interface ExportSummary {
  exportId: string;
  accountId: string;
  reason: 'portability' | 'cancellation';
  status: ExportStatusName;
  progress: { processed: number; total: number; percent: number };
  records: number | null;
  bytes: number | null;
  sha256: string | null;
  counts: Record<string, number> | null;
  createdAt: string;
  completedAt: string | null;
  expiresAt: string | null;
  /** A signed link (path and query; no sign-in needed) while the export is ready and unexpired. */
  downloadUrl: string | null;
}
