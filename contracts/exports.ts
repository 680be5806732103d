/** Data exports as the API and socket.io hand them to the console (the console imports this file). */
/**
 * `exp_` + 32 hex. Safe in workflow code (no I/O): pass a deterministic UUID there, `newExportId(uuid4())`;
 * elsewhere a random one is drawn.
 */
export const newExportId = (uuid: string = globalThis.crypto.randomUUID()) => `exp_${uuid.replaceAll('-', '')}`;

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

/** The path of an export's download link; `token` from createLinkSigner, purpose download-export, subject the export ID. */
export const exportDownloadPath = (exportId: string, token: string) => `/api/exports/${exportId}/download?token=${encodeURIComponent(token)}`;
