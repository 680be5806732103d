import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { personalData } from '../lib/crypto/encrypted-fields.ts';

export const EXPORT_STATUSES = ['queued', 'running', 'ready', 'failed', 'expired'] as const;
export const EXPORT_REASONS = ['portability', 'cancellation'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/**
 * One data export of an account (lib/exports/): what the console lists and the download reads. The archive
 * itself lives encrypted in GridFS (bucket `exports`) under a random content key; `contentKey` is stored here as
 * a field ciphertext under the account's data key (the personal-data plugin), so crypto-shredding the account
 * makes every one of its archives unreadable, wherever copies of the bytes went. Lists select it out.
 */
const dataExportSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    reason: { type: String, enum: EXPORT_REASONS, required: true },
    /** A user ID or 'system' (never a name). */
    requestedBy: { type: String, required: true },
    status: { type: String, enum: EXPORT_STATUSES, default: 'queued', required: true },
    progress: { processed: { type: Number, default: 0 }, total: { type: Number, default: 0 } },
    /** Records per collection, once ready. */
    counts: { type: Schema.Types.Mixed },
    records: { type: Number },
    /** Size of the ZIP (plaintext) and of what is stored (encrypted). */
    bytes: { type: Number },
    storedBytes: { type: Number },
    /** SHA-256 of the ZIP as downloaded. */
    sha256: { type: String },
    /** The GridFS file of the finished archive (`<accountId>.<exportId>.<attempt>`). */
    fileId: { type: String },
    /** Base64 of the 32-byte content key: personal-data ciphertext under the account's data key. */
    contentKey: { type: String },
    attempt: { type: Number, default: 0 },
    startedAt: { type: Date },
    completedAt: { type: Date },
    expiresAt: { type: Date },
    /** A failure's error class name, never its message (which could quote data). */
    error: { type: String },
  },
  { timestamps: true, versionKey: false },
);
dataExportSchema.index({ accountId: 1, createdAt: -1 });
dataExportSchema.index({ updatedAt: 1 });
dataExportSchema.index({ status: 1, expiresAt: 1 });
dataExportSchema.plugin(personalData, { personalFields: ['contentKey'], accountIdFrom: { path: 'accountId' } });

export type DataExportDoc = InferSchemaType<typeof dataExportSchema>;
export const dataExportModel = (conn: Connection) => conn.model('DataExport', dataExportSchema, 'data_exports');
