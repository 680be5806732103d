import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/** Scoped API tokens for automated callers; only a SHA-256 of the secret is stored. */
const apiTokenSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    secretHash: { type: String, required: true },
    scopes: { type: [String], required: true },
    createdBy: { type: String, required: true },
    expiresAt: { type: Date },
    revokedAt: { type: Date },
    lastUsedAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);

export type ApiTokenDoc = InferSchemaType<typeof apiTokenSchema>;
export const apiTokenModel = (conn: Connection) => conn.model('ApiToken', apiTokenSchema, 'api_tokens');
