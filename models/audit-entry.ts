import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * One entry of the append-only audit log. `_id` is the sequence number: the unique primary key is what makes
 * concurrent appends line up into one chain (a writer that lost the race retries on the next number).
 * Entries name people by opaque IDs only, never by name or address.
 */
const auditEntrySchema = new Schema(
  {
    _id: { type: Number, required: true },
    at: { type: Date, required: true },
    actor: {
      kind: { type: String, enum: ['user', 'token', 'system', 'anonymous'], required: true },
      id: { type: String },
    },
    action: { type: String, required: true },
    target: { type: { type: String }, id: { type: String } },
    details: { type: Schema.Types.Mixed },
    prevHash: { type: String, required: true },
    hash: { type: String, required: true },
  },
  { versionKey: false, minimize: true },
);
auditEntrySchema.index({ action: 1, at: -1 });
auditEntrySchema.index({ 'target.id': 1, at: -1 });
auditEntrySchema.index({ 'details.key': 1 });

export type AuditEntryDoc = InferSchemaType<typeof auditEntrySchema>;
export const auditEntryModel = (conn: Connection) => conn.model('AuditEntry', auditEntrySchema, 'audit_log');
