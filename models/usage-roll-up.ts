import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * State of the usage roll-up (lib/usage/roll-up.ts), two kinds of document:
 * - `_id: 'watermark'`, `rolledUpThrough`: every usage event received before this instant is in usage_daily;
 * - `_id: 'sealed:<day>'`, `day`, `sealedAt`: that UTC day was recomputed in full after it could receive no more
 *   events; only sealed days have their raw events deleted, and a sealed day is never recomputed again.
 */
const usageRollUpSchema = new Schema(
  {
    _id: { type: String, required: true },
    rolledUpThrough: { type: Date },
    day: { type: String },
    sealedAt: { type: Date },
  },
  { versionKey: false },
);
usageRollUpSchema.index({ day: 1 });

export type UsageRollUpDoc = InferSchemaType<typeof usageRollUpSchema>;
export const usageRollUpModel = (conn: Connection) => conn.model('UsageRollUp', usageRollUpSchema, 'usage_roll_ups');
