import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * Nurturing sequences as versioned data. A sequence (`seq_…`) names its newest version; each version is an
 * immutable document (`<sequenceId>.v<n>`): editing appends one, and running enrollments keep reading theirs.
 * Definitions are the account's marketing copy and structure, not personal data.
 */
const sequenceSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    name: { type: String, required: true },
    latestVersion: { type: Number, required: true },
    createdBy: { type: String },
  },
  { timestamps: true, versionKey: false },
);
sequenceSchema.index({ accountId: 1, updatedAt: -1 });

const sequenceVersionSchema = new Schema(
  {
    _id: { type: String, required: true },
    sequenceId: { type: String, required: true },
    accountId: { type: String, required: true },
    version: { type: Number, required: true },
    definition: { type: Schema.Types.Mixed, required: true },
    createdBy: { type: String },
  },
  { timestamps: true, versionKey: false, minimize: false },
);
sequenceVersionSchema.index({ sequenceId: 1, version: 1 }, { unique: true });

export const sequenceVersionId = (sequenceId: string, version: number) => `${sequenceId}.v${version}`;
export type SequenceDoc = InferSchemaType<typeof sequenceSchema>;
export type SequenceVersionDoc = InferSchemaType<typeof sequenceVersionSchema>;
export const sequenceModel = (conn: Connection) => conn.model('Sequence', sequenceSchema, 'sequences');
export const sequenceVersionModel = (conn: Connection) => conn.model('SequenceVersion', sequenceVersionSchema, 'sequence_versions');
