import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * A legal hold on an account, or on one person within it. While a hold is active (not released) every
 * deletion path for what it covers must stop; placing and releasing are audited by the callers.
 */
const legalHoldSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    /** Absent: the whole account. Present: only this person's data. */
    subject: { type: { type: String }, id: { type: String } },
    /** An opaque case reference, never a person's name. */
    reference: { type: String, required: true },
    placedBy: { type: String, required: true },
    placedAt: { type: Date, required: true },
    releasedBy: { type: String },
    releasedAt: { type: Date },
  },
  { versionKey: false },
);
legalHoldSchema.index({ accountId: 1, releasedAt: 1 });

export type LegalHoldDoc = InferSchemaType<typeof legalHoldSchema>;
export const legalHoldModel = (conn: Connection) => conn.model('LegalHold', legalHoldSchema, 'legal_holds');
