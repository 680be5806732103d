import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/** The register of third-party processors the policy discloses: who gets what data, for what, where. */
const processorSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    purpose: { type: String, required: true },
    dataCategories: { type: [String], required: true },
    /** Where the processor handles the data (country or region). */
    location: { type: String, required: true },
    contractSignedAt: { type: Date },
    retiredAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
processorSchema.index({ name: 1 }, { unique: true });

export type ProcessorDoc = InferSchemaType<typeof processorSchema>;
export const processorModel = (conn: Connection) => conn.model('Processor', processorSchema, 'processors');
