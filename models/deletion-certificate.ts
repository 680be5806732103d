import { Schema, type Connection, type InferSchemaType } from 'mongoose';

export const ERASURE_SCOPES = ['account', 'person'] as const;

/**
 * Proof of deletion: what was deleted from which store, what was kept, why and until when, and the key
 * destruction. Holds counts and opaque IDs only — it outlives the data it describes. Its hash is chained into
 * the audit log (audit.seq / audit.hash).
 */
const deletionCertificateSchema = new Schema(
  {
    _id: { type: String, required: true },
    scope: { type: String, enum: ERASURE_SCOPES, required: true },
    accountId: { type: String, required: true },
    subject: { type: { type: String }, id: { type: String } },
    workflowId: { type: String, required: true },
    requestedAt: { type: Date, required: true },
    purgeStartedAt: { type: Date, required: true },
    completedAt: { type: Date, required: true },
    deleted: { type: [{ store: String, count: Number, _id: false }], default: [] },
    retained: { type: [{ store: String, count: Number, reason: String, until: Date, _id: false }], default: [] },
    exports: { files: Number, bytes: Number },
    workflowHistoriesDeleted: { type: Number, default: 0 },
    keyDestruction: { keyIds: [String], destroyedAt: Date },
    /** The audit entry that chains the certificate, and the SHA-256 of its canonical JSON recorded there. */
    audit: { seq: Number, certificateSha256: String },
    mailedAt: { type: Date },
  },
  { versionKey: false },
);
deletionCertificateSchema.index({ accountId: 1, completedAt: -1 });

export type DeletionCertificateDoc = InferSchemaType<typeof deletionCertificateSchema>;
export const deletionCertificateModel = (conn: Connection) => conn.model('DeletionCertificate', deletionCertificateSchema, 'deletion_certificates');
