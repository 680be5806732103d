import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { personalData } from '../lib/crypto/encrypted-fields.ts';

/** The sales pipeline; a converted lead is the CRM's contact (one record, so erasure has one place to look). */
export const LEAD_STATUSES = ['new', 'nurturing', 'qualified', 'converted', 'lost'] as const;

const leadSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    // Personal data: ciphertext under the account's data key. Email and phone are found through blind indexes.
    name: { type: String, required: true },
    email: { type: String },
    emailBlindIndex: { type: String },
    phone: { type: String },
    phoneBlindIndex: { type: String },
    address: { type: Schema.Types.Mixed },
    notes: { type: String },
    company: { type: String },
    jobTitle: { type: String },
    /** IANA zone: send windows are the lead's own business hours. */
    timeZone: { type: String, required: true, default: 'UTC' },
    status: { type: String, enum: LEAD_STATUSES, default: 'new', required: true },
    ownerUserId: { type: String },
    source: { type: String },
    score: { type: Number, default: 0 },
    /** A mail to the lead bounced (the bounce webhook): no further nurturing mail until the address changes. */
    bouncedAt: { type: Date },
    /** The CSV import that created the lead (audit entry `leads.imported`), if one did. */
    importId: { type: String },
  },
  { timestamps: true, versionKey: false },
);
leadSchema.index({ accountId: 1, status: 1, updatedAt: -1 });
leadSchema.index({ accountId: 1, emailBlindIndex: 1 });
leadSchema.index({ accountId: 1, phoneBlindIndex: 1 });
// One lead per address and account (api/routes/leads.ts refuses a second, naming the first). Blind indexes are
// keyed per account, so a unique index on the index alone is unique per account; sparse, so leads without an
// address do not collide (MongoDB; FerretDB never counts a missing field, and does not support partial indexes).
leadSchema.index({ emailBlindIndex: 1 }, { unique: true, sparse: true });
leadSchema.plugin(personalData, {
  personalFields: ['name', 'email', 'phone', 'address', 'notes'],
  blindIndexes: { email: 'email', phone: 'phone' },
  accountIdFrom: { path: 'accountId' },
});

export type LeadDoc = InferSchemaType<typeof leadSchema>;
export const leadModel = (conn: Connection) => conn.model('Lead', leadSchema, 'leads');
