import { Schema, type Connection, type InferSchemaType } from 'mongoose';

export const ACCOUNT_STATUSES = ['active', 'cancellation-pending', 'cancelled'] as const;
export const ONBOARDING_STATUSES = ['pending', 'welcomed', 'completed', 'lapsed'] as const;

const accountSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    owner: {
      name: { type: String, required: true },
      email: { type: String, required: true },
    },
    status: { type: String, enum: ACCOUNT_STATUSES, default: 'active', required: true },
    onboarding: {
      status: { type: String, enum: ONBOARDING_STATUSES, default: 'pending', required: true },
      ownerSignedInAt: { type: Date },
      completedAt: { type: Date },
    },
  },
  { timestamps: true, versionKey: false },
);
accountSchema.index({ status: 1, createdAt: -1 });

export type AccountDoc = InferSchemaType<typeof accountSchema>;
export const accountModel = (conn: Connection) => conn.model('Account', accountSchema, 'accounts');
