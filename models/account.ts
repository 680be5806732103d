import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { personalData } from '../lib/crypto/encrypted-fields.ts';

/** cancellation-pending: read-only, exportable, reactivatable until the purge; purged: a tombstone without personal data. */
export const ACCOUNT_STATUSES = ['active', 'cancellation-pending', 'purged'] as const;
export const ONBOARDING_STATUSES = ['pending', 'welcomed', 'completed', 'lapsed'] as const;

const accountSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    // The owner's name and address are personal data: stored as ciphertext under the account's own data key
    // (destroying it shreds them), decrypted on read by the plugin below.
    owner: {
      name: { type: String, required: true },
      email: { type: String, required: true },
      /** Keyed HMAC of the normalised address, for look-ups within the account (set by the plugin). */
      emailBlindIndex: { type: String },
    },
    status: { type: String, enum: ACCOUNT_STATUSES, default: 'active', required: true },
    onboarding: {
      status: { type: String, enum: ONBOARDING_STATUSES, default: 'pending', required: true },
      ownerSignedInAt: { type: Date },
      completedAt: { type: Date },
    },
    cancellation: {
      requestedAt: { type: Date },
      requestedBy: { type: String },
      purgeAt: { type: Date },
      workflowId: { type: String },
      purgedAt: { type: Date },
      certificateId: { type: String },
    },
  },
  { timestamps: true, versionKey: false },
);
accountSchema.index({ status: 1, createdAt: -1 });
accountSchema.plugin(personalData, { personalFields: ['owner.name', 'owner.email'], blindIndexes: { 'owner.email': 'email' }, accountIdFrom: { path: '_id' } });

export type AccountDoc = InferSchemaType<typeof accountSchema>;
export const accountModel = (conn: Connection) => conn.model('Account', accountSchema, 'accounts');
