import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { personalData } from '../lib/crypto/encrypted-fields.ts';
import { closingTimeSchema, localTimeSchema } from '../schemas/common.ts';

/** A shift in the technician's own zone: local wall-clock times, so planning survives DST changes. */
const shiftSchema = new Schema(
  {
    start: { type: String, required: true, match: new RegExp(localTimeSchema.pattern) },
    end: { type: String, required: true, match: new RegExp(closingTimeSchema.pattern) },
    timeZone: { type: String, required: true },
    /** ISO weekdays, 1 = Monday. */
    workingDays: { type: [Number], default: [1, 2, 3, 4, 5] },
  },
  { _id: false },
);

/**
 * Why a technician drops out of a day, as a category only: no health or private details (data minimisation);
 * "absence" covers illness.
 */
export const UNAVAILABILITY_REASONS = ['absence', 'vehicle', 'equipment', 'emergency', 'other'] as const;

/** A day the technician dropped out of (from `from`, or all of it): planning gives them no new stops. */
const unavailabilitySchema = new Schema(
  {
    /** The technician's local day, YYYY-MM-DD. */
    date: { type: String, required: true },
    from: { type: Date },
    reason: { type: String, enum: UNAVAILABILITY_REASONS, required: true },
    /** The user or API token that recorded it (opaque ID). */
    recordedBy: { type: String },
    recordedAt: { type: Date, required: true },
  },
  { _id: false },
);

const technicianSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    region: { type: String, required: true },
    // Personal data. Start and end locations are often a home address: {lat, lng, label} as one ciphertext each.
    name: { type: String, required: true },
    email: { type: String },
    emailBlindIndex: { type: String },
    phone: { type: String },
    startLocation: { type: Schema.Types.Mixed, required: true },
    endLocation: { type: Schema.Types.Mixed },
    skills: { type: [String], default: [] },
    shift: { type: shiftSchema, required: true },
    active: { type: Boolean, default: true },
    unavailable: { type: [unavailabilitySchema], default: [] },
  },
  { timestamps: true, versionKey: false },
);
technicianSchema.index({ accountId: 1, region: 1, active: 1 });
technicianSchema.plugin(personalData, {
  personalFields: ['name', 'email', 'phone', 'startLocation', 'endLocation'],
  blindIndexes: { email: 'email' },
  accountIdFrom: { path: 'accountId' },
});

export type TechnicianDoc = InferSchemaType<typeof technicianSchema>;
export const technicianModel = (conn: Connection) => conn.model('Technician', technicianSchema, 'technicians');
