import { Schema, type Connection, type InferSchemaType } from 'mongoose';

export const CONSENT_CATEGORIES = ['location', 'marketing', 'cookies.functional', 'cookies.analytics', 'cookies.advertising'] as const;
export const CONSENT_SUBJECT_TYPES = ['user', 'lead', 'technician', 'visitor'] as const;
export const CONSENT_SOURCES = ['api', 'console', 'crm', 'mobile-app', 'preference-centre', 'cookie-banner', 'unsubscribe-link'] as const;

/**
 * A record's ID is its subject, category and number: the newest is found by counting up from 1 by ID, which every
 * server answers from its primary index (a query on the other fields is a table scan on some — FerretDB's SQLite).
 */
export const consentRecordId = (r: { accountId: string; subjectType: string; subjectId: string; category: string; seq: number }) =>
  `${r.accountId}:${r.subjectType}:${r.subjectId}:${r.category}:${r.seq}`;

/**
 * Consent records are append-only: each grant or revocation is a new record, so the history is the evidence
 * (who, which text version, when, through what). The current state is the newest record per category.
 */
const consentSchema = new Schema(
  {
    _id: {
      type: String,
      default: function (this: Parameters<typeof consentRecordId>[0]) {
        return consentRecordId(this);
      },
    },
    accountId: { type: String, required: true },
    subjectType: { type: String, enum: CONSENT_SUBJECT_TYPES, required: true },
    subjectId: { type: String, required: true },
    category: { type: String, enum: CONSENT_CATEGORIES, required: true },
    granted: { type: Boolean, required: true },
    /** The version of the text the person agreed to or withdrew from. */
    policyVersion: { type: String, required: true },
    source: { type: String, enum: CONSENT_SOURCES, required: true },
    recordedBy: { type: String },
    at: { type: Date, required: true },
    /** Strictly increasing per subject and category, so "newest" never depends on clock ties. */
    seq: { type: Number, required: true },
  },
  { versionKey: false },
);
consentSchema.index({ accountId: 1, subjectType: 1, subjectId: 1, category: 1, seq: -1 }, { unique: true });

export type ConsentDoc = InferSchemaType<typeof consentSchema>;
export const consentModel = (conn: Connection) => conn.model('Consent', consentSchema, 'consents');
