/**
 * The export store: export records (models/data-export.ts) and their archives, encrypted (segmented-aead.ts) in
 * GridFS on the engine's own MongoDB (bucket `exports`), so every API replica and worker reads the same files and
 * a purge has one place to look. GridFS file IDs are `<accountId>.<exportId>.<attempt>`: each activity attempt
 * writes its own file, a retry removes what earlier attempts left (half-written chunks included), and the purge
 * finds an account's files by prefix even when its records are already gone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mongoose from 'mongoose';
import type { Models } from '../../models/index.ts';
import type { DataExportDoc, ExportStatus } from '../../models/data-export.ts';
import { isDuplicateKeyError } from '../mongo.ts';
import { writeArchive, countAccountRecords, type ArchiveManifest } from './archive.ts';
import { createDecryptStream, createEncryptStream } from './segmented-aead.ts';
import { ExportArchiveCorruptError, ExportNotAvailableError } from './errors.ts';

export const EXPORT_BUCKET = 'exports';
const CHUNK_BYTES = 255 * 1024;

/** `exp_` + 32 hex (contracts/exports.ts: importable from workflows). */
export { newExportId } from '../../contracts/exports.ts';

export const exportFileId = (accountId: string, exportId: string, attempt: number) => `${accountId}.${exportId}.${attempt}`;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function exportsBucket(models: Models) {
  const db = models.DataExport.db.db;
  if (!db) throw new Error('the export store needs a connected database');
  return new mongoose.mongo.GridFSBucket(db, { bucketName: EXPORT_BUCKET, chunkSizeBytes: CHUNK_BYTES });
}

const collections = (models: Models) => {
  const db = models.DataExport.db.db!;
  return { files: db.collection(`${EXPORT_BUCKET}.files`), chunks: db.collection(`${EXPORT_BUCKET}.chunks`) };
};

export interface ExportRequest {
  exportId: string;
  accountId: string;
  reason: 'portability' | 'cancellation';
  requestedBy: string;
}

/** Creates the export's record (queued) with a fresh content key; a second call finds the first. */
export async function ensureExportRecord(models: Models, req: ExportRequest): Promise<void> {
  try {
    await models.DataExport.create({
      _id: req.exportId,
      accountId: req.accountId,
      reason: req.reason,
      requestedBy: req.requestedBy,
      status: 'queued',
      contentKey: randomBytes(32).toString('base64'),
    });
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    const existing = await models.DataExport.findById(req.exportId).select('accountId').lean();
    if (existing?.accountId !== req.accountId) throw new Error(`export ${req.exportId} belongs to another account`);
  }
}

export interface BuiltExport {
  exportId: string;
  records: number;
  bytes: number;
  expiresAt: string;
}

export interface BuildOptions {
  /** This activity attempt's number: names its GridFS file. */
  attempt: number;
  ttlMs: number;
  signal?: AbortSignal;
  /** Rows written / total rows (each record is written twice: JSON Lines and CSV). */
  onProgress?(processed: number, total: number): void | Promise<void>;
  compressionLevel?: number;
  now?: () => Date;
}

/** Deletes the files (and stray chunks) of an export except `keep`. Returns what was removed. */
async function removeExportFiles(models: Models, accountId: string, exportId: string, keep?: string) {
  const { files, chunks } = collections(models);
  const prefix = { $regex: `^${escapeRegex(`${accountId}.${exportId}.`)}` };
  const fileFilter = keep ? { _id: { ...prefix, $ne: keep } } : { _id: prefix };
  const chunkFilter = keep ? { files_id: { ...prefix, $ne: keep } } : { files_id: prefix };
  const gone = await files.find(fileFilter as never, { projection: { length: 1 } }).toArray();
  await chunks.deleteMany(chunkFilter as never);
  await files.deleteMany(fileFilter as never);
  return { files: gone.length, bytes: gone.reduce((n, f) => n + Number((f as { length?: number }).length ?? 0), 0) };
}

/**
 * Builds (or finds) the archive of an export: idempotent. A ready export answers with what it holds; otherwise
 * whatever an earlier attempt left is removed and the archive is written anew under this attempt's file ID,
 * streamed cursor → ZIP → encryption → GridFS. Only the first attempt to finish marks the export ready; a late
 * zombie attempt removes its own file.
 */
export async function buildExport(models: Models, exportId: string, opts: BuildOptions): Promise<BuiltExport> {
  const now = opts.now ?? (() => new Date());
  const record = await models.DataExport.findById(exportId).lean();
  if (!record) throw new ExportNotAvailableError(exportId, 'unknown');
  if (record.status === 'ready') return builtOf(record);
  if (record.status === 'expired') throw new ExportNotAvailableError(exportId, record.status);
  const { accountId } = record;
  const contentKey = Buffer.from(record.contentKey!, 'base64');
  const fileId = exportFileId(accountId, exportId, opts.attempt);
  await removeExportFiles(models, accountId, exportId);

  const counts = await countAccountRecords(models, accountId);
  const total = 2 * Object.values(counts).reduce((a, b) => a + b, 0);
  const startedAt = now();
  await models.DataExport.updateOne({ _id: exportId }, { $set: { status: 'running', attempt: opts.attempt, startedAt, progress: { processed: 0, total } }, $unset: { error: 1 } });

  const { zip, done } = writeArchive(models, { exportId, accountId, reason: record.reason, createdAt: startedAt }, {
    signal: opts.signal,
    compressionLevel: opts.compressionLevel,
    onProgress: (processed) => opts.onProgress?.(processed, Math.max(total, processed)),
  });
  const zipHash = createHash('sha256');
  let zipBytes = 0;
  const measure = new PassThrough();
  measure.on('data', (chunk: Buffer) => {
    zipHash.update(chunk);
    zipBytes += chunk.length;
  });
  const upload = exportsBucket(models).openUploadStreamWithId(fileId as never, fileId, { metadata: { accountId, exportId, attempt: opts.attempt } });
  let manifest: ArchiveManifest;
  try {
    [manifest] = await Promise.all([done, pipeline(zip, measure, createEncryptStream(contentKey, { accountId, exportId }), upload, { signal: opts.signal })]);
  } catch (err) {
    await removeExportFiles(models, accountId, exportId).catch(() => {});
    throw err;
  }
  const records = manifest.collections.reduce((n, c) => n + c.records, 0);
  const completedAt = now();
  const expiresAt = new Date(completedAt.getTime() + opts.ttlMs);
  const marked = await models.DataExport.updateOne(
    { _id: exportId, status: { $ne: 'ready' } },
    {
      $set: {
        status: 'ready',
        fileId,
        records,
        counts: Object.fromEntries(manifest.collections.map((c) => [c.name, c.records])),
        bytes: zipBytes,
        storedBytes: upload.length,
        sha256: zipHash.digest('hex'),
        completedAt,
        expiresAt,
        progress: { processed: total, total },
      },
    },
  );
  if (!marked.modifiedCount) {
    // Another attempt finished first: its archive is the export's; this one goes.
    await removeExportFiles(models, accountId, exportId, (await models.DataExport.findById(exportId).select('fileId').lean())?.fileId ?? undefined);
    return builtOf((await models.DataExport.findById(exportId).select('-contentKey').lean())!);
  }
  await removeExportFiles(models, accountId, exportId, fileId);
  return { exportId, records, bytes: zipBytes, expiresAt: expiresAt.toISOString() };
}

function builtOf(record: Pick<DataExportDoc, 'records' | 'bytes' | 'expiresAt'> & { _id: string }): BuiltExport {
  return { exportId: record._id, records: record.records ?? 0, bytes: record.bytes ?? 0, expiresAt: record.expiresAt!.toISOString() };
}

/** Marks an export failed (the error's class name only). */
export async function markExportFailed(models: Models, exportId: string, errorName: string): Promise<void> {
  await models.DataExport.updateOne({ _id: exportId, status: { $in: ['queued', 'running'] } }, { $set: { status: 'failed', error: errorName } });
}

export interface ExportDownload {
  exportId: string;
  accountId: string;
  bytes: number;
  sha256: string;
  /** The decrypted ZIP; errors with ExportArchiveCorruptError if the stored bytes were altered or cut. */
  stream: Readable;
}

/**
 * Opens a ready export for download, decrypting as it streams. Throws ExportNotAvailableError (not ready, expired),
 * and KeyDestroyedError (lib/crypto/errors.ts) once the account was crypto-shredded: the content key is gone.
 */
export async function openExportDownload(models: Models, exportId: string, now = new Date()): Promise<ExportDownload> {
  const record = await models.DataExport.findById(exportId).lean();
  if (!record) throw new ExportNotAvailableError(exportId, 'unknown');
  if (record.status !== 'ready' || !record.fileId) throw new ExportNotAvailableError(exportId, record.status);
  if (record.expiresAt && record.expiresAt <= now) throw new ExportNotAvailableError(exportId, 'expired');
  const contentKey = Buffer.from(record.contentKey!, 'base64');
  const { files } = collections(models);
  if (!(await files.countDocuments({ _id: record.fileId } as never))) throw new ExportArchiveCorruptError(exportId, 'missing', 0);
  const source = exportsBucket(models).openDownloadStream(record.fileId as never);
  const decrypt = createDecryptStream(contentKey, { accountId: record.accountId, exportId });
  source.on('error', (err) => decrypt.destroy(err));
  return { exportId, accountId: record.accountId, bytes: record.bytes ?? 0, sha256: record.sha256 ?? '', stream: source.pipe(decrypt) };
}

/**
 * Removes every export archive and export record of an account (the purge). Idempotent: a second call finds
 * nothing and reports zeros. Files are found by ID prefix, so archives whose records went first are found too.
 */
export async function deleteAccountExports(models: Models, accountId: string): Promise<{ files: number; bytes: number; records: number }> {
  const { files, chunks } = collections(models);
  const prefix = { $regex: `^${escapeRegex(`${accountId}.`)}` };
  const found = await files.find({ _id: prefix } as never, { projection: { length: 1 } }).toArray();
  await chunks.deleteMany({ files_id: prefix } as never);
  await files.deleteMany({ _id: prefix } as never);
  const { deletedCount } = await models.DataExport.deleteMany({ accountId });
  return { files: found.length, bytes: found.reduce((n, f) => n + Number((f as { length?: number }).length ?? 0), 0), records: deletedCount };
}

/** Expires ready exports whose time has passed: their archives are deleted, their records stay (status expired). */
export async function expireExports(models: Models, now = new Date()): Promise<number> {
  const due = await models.DataExport.find({ status: 'ready', expiresAt: { $lte: now } }).select('accountId').lean();
  for (const e of due) {
    await removeExportFiles(models, e.accountId, e._id);
    await models.DataExport.updateOne({ _id: e._id, status: 'ready' }, { $set: { status: 'expired' satisfies ExportStatus }, $unset: { fileId: 1 } });
  }
  return due.length;
}
