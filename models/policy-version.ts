import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * Published versions of the privacy policy. Append-only: a published version is never edited (the SHA-256 of
 * its text is what acceptance records and the audit log point at); a change is a new, higher version number.
 * The `_id` is the version number, so two publishes of one version cannot both be stored.
 */
const policyVersionSchema = new Schema(
  {
    _id: { type: Number, required: true, min: 1 },
    /** When the version takes effect (usually some weeks after publishing: the notice period). */
    effectiveAt: { type: Date, required: true },
    /** The summary of changes that the notice mail carries. */
    summary: { type: String, required: true },
    text: { type: String, required: true },
    /** Hex SHA-256 of `text` (UTF-8). */
    sha256: { type: String, required: true },
    publishedAt: { type: Date, required: true },
    /** A user ID (usr_…), or `seed` for the version the engine ships with. */
    publishedBy: { type: String, required: true },
  },
  { versionKey: false },
);

export type PolicyVersionDoc = InferSchemaType<typeof policyVersionSchema>;
export const policyVersionModel = (conn: Connection) => conn.model('PolicyVersion', policyVersionSchema, 'policy_versions');
