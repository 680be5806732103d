import { Schema, type Connection, type InferSchemaType } from 'mongoose';

export const POLICY_AUDIENCES = ['user', 'account-owner'] as const;
export type PolicyAudience = (typeof POLICY_AUDIENCES)[number];

/**
 * Who was told about, has seen and has accepted which policy version: one record per version and person,
 * keyed `<version>:<subjectType>:<subjectId>`. IDs only — the person's data stays in users / accounts.
 * Each timestamp is written once (the first notice, the first view, the first acceptance) and never moved.
 */
const policyAcknowledgementSchema = new Schema(
  {
    _id: { type: String, required: true },
    version: { type: Number, required: true },
    /** `user`: a console user (users collection); `account-owner`: the owner of a customer account (accounts). */
    subjectType: { type: String, enum: POLICY_AUDIENCES, required: true },
    subjectId: { type: String, required: true },
    notifiedAt: { type: Date },
    seenAt: { type: Date },
    acceptedAt: { type: Date },
  },
  { versionKey: false },
);
policyAcknowledgementSchema.index({ version: 1, subjectType: 1 });

export type PolicyAcknowledgementDoc = InferSchemaType<typeof policyAcknowledgementSchema>;
export const policyAcknowledgementModel = (conn: Connection) => conn.model('PolicyAcknowledgement', policyAcknowledgementSchema, 'policy_acknowledgements');
