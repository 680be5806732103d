import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { personalData } from '../lib/crypto/encrypted-fields.ts';

export const JOB_STATUSES = ['open', 'planned', 'in-progress', 'done', 'cancelled'] as const;
export const JOB_PRIORITIES = ['must', 'optional'] as const;

const timeWindowSchema = new Schema({ start: { type: Date, required: true }, end: { type: Date, required: true } }, { _id: false });

/** A visit at a customer's site. The customer and the site's coordinates are personal data. */
const jobSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    region: { type: String, required: true },
    /** The local day the job belongs to (YYYY-MM-DD in the region's zone): the planning key. */
    date: { type: String, required: true },
    customer: {
      name: { type: String, required: true },
      phone: { type: String },
    },
    /** {lat, lng, label}: one ciphertext. */
    location: { type: Schema.Types.Mixed, required: true },
    notes: { type: String },
    timeWindows: { type: [timeWindowSchema], default: [] },
    serviceMinutes: { type: Number, required: true, min: 0 },
    requiredSkills: { type: [String], default: [] },
    priority: { type: String, enum: JOB_PRIORITIES, default: 'must', required: true },
    status: { type: String, enum: JOB_STATUSES, default: 'open', required: true },
    technicianId: { type: String },
    startedAt: { type: Date },
    completedAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
jobSchema.index({ accountId: 1, region: 1, date: 1, status: 1 });
jobSchema.plugin(personalData, {
  personalFields: ['customer.name', 'customer.phone', 'location', 'notes'],
  accountIdFrom: { path: 'accountId' },
});

export type JobDoc = InferSchemaType<typeof jobSchema>;
export const jobModel = (conn: Connection) => conn.model('Job', jobSchema, 'jobs');
