import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { personalData, SYSTEM_OWNER } from '../lib/crypto/encrypted-fields.ts';

/**
 * Where a deletion certificate goes: the owner's address captured when the erasure was requested, under the
 * system key (the account's own key is destroyed before the certificate exists). Deleted once it is sent.
 */
const certificateRecipientSchema = new Schema(
  {
    /** The erasure workflow's ID. */
    _id: { type: String, required: true },
    name: { type: String, required: true },
    email: { type: String, required: true },
    capturedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
certificateRecipientSchema.plugin(personalData, { personalFields: ['name', 'email'], accountIdFrom: { fixed: SYSTEM_OWNER } });

export type CertificateRecipientDoc = InferSchemaType<typeof certificateRecipientSchema>;
export const certificateRecipientModel = (conn: Connection) => conn.model('CertificateRecipient', certificateRecipientSchema, 'certificate_recipients');
