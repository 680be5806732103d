import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { personalData } from '../lib/crypto/encrypted-fields.ts';

export const PAYMENT_METHODS = ['card', 'transfer', 'direct-debit', 'cash'] as const;

/** A financial record (see invoice.ts for its retention). The payer's name and the account number are personal. */
const paymentSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    invoiceId: { type: String, required: true },
    amountCents: { type: Number, required: true },
    currency: { type: String, required: true, match: /^[A-Z]{3}$/ },
    method: { type: String, enum: PAYMENT_METHODS, required: true },
    payerName: { type: String },
    /** The last digits of a card or IBAN as the payment provider reports them. */
    instrument: { type: String },
    providerReference: { type: String },
    paidAt: { type: Date, required: true },
    retainUntil: { type: Date },
    pseudonymisedAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
paymentSchema.index({ accountId: 1, invoiceId: 1 });
paymentSchema.index({ retainUntil: 1 });
paymentSchema.plugin(personalData, { personalFields: ['payerName', 'instrument'], accountIdFrom: { path: 'accountId' } });

export type PaymentDoc = InferSchemaType<typeof paymentSchema>;
export const paymentModel = (conn: Connection) => conn.model('Payment', paymentSchema, 'payments');
