/** The typed failures of the export store. They carry export and account IDs, never content. */

/**
 * The stored archive failed authentication: a byte was changed, segments were reordered or dropped, or the file
 * was cut short. Nothing unauthenticated is ever handed on; a download stops with this error instead.
 */
export class ExportArchiveCorruptError extends Error {
  override name = 'ExportArchiveCorruptError';
  constructor(
    readonly exportId: string,
    readonly reason: 'altered' | 'truncated-or-altered' | 'not-an-archive' | 'missing',
    readonly segment: number,
  ) {
    super(`export ${exportId}: the stored archive is ${reason === 'missing' ? 'missing' : `corrupt (${reason}, segment ${segment})`}`);
  }
}

/** The export is not (or no longer) downloadable: still being built, failed, or expired and removed. */
export class ExportNotAvailableError extends Error {
  override name = 'ExportNotAvailableError';
  constructor(
    readonly exportId: string,
    readonly status: string,
  ) {
    super(`export ${exportId} is not available for download (status ${status})`);
  }
}
