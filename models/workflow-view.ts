import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * A saved view of the workflow list: named filters the whole team sees. Filters hold opaque IDs and codes only
 * (account and lead IDs, a region code, dates), validated by schemas/workflows.ts before they are stored.
 */
const workflowViewSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    filters: {
      type: { type: String },
      status: { type: String },
      from: { type: String },
      to: { type: String },
      account: { type: String },
      lead: { type: String },
      region: { type: String },
      date: { type: String },
    },
    /** The user ID of whoever saved it: they (or an admin) may delete it. */
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: true },
);
// Names are how the team tells views apart: one view per name.
workflowViewSchema.index({ name: 1 }, { unique: true });

export type WorkflowViewDoc = InferSchemaType<typeof workflowViewSchema>;
export const workflowViewModel = (conn: Connection) => conn.model('WorkflowView', workflowViewSchema, 'workflow_views');
