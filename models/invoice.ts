import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { personalData } from '../lib/crypto/encrypted-fields.ts';

export const INVOICE_STATUSES = ['draft', 'issued', 'paid', 'void'] as const;

const lineSchema = new Schema(
  { description: { type: String, required: true }, quantity: { type: Number, required: true }, unitPriceCents: { type: Number, required: true } },
  { _id: false },
);

/**
 * A financial record: kept past an account's purge until `retainUntil` (legal retention), with the customer's
 * personal fields removed (`pseudonymisedAt`) — amounts, dates and numbers stay, as the law requires.
 */
const invoiceSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    number: { type: String, required: true },
    customer: {
      name: { type: String },
      email: { type: String },
      address: { type: Schema.Types.Mixed },
      taxId: { type: String },
    },
    lines: { type: [lineSchema], default: [] },
    totalCents: { type: Number, required: true },
    currency: { type: String, required: true, match: /^[A-Z]{3}$/ },
    status: { type: String, enum: INVOICE_STATUSES, default: 'draft', required: true },
    issuedAt: { type: Date },
    retainUntil: { type: Date },
    pseudonymisedAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
invoiceSchema.index({ accountId: 1, number: 1 }, { unique: true });
invoiceSchema.index({ retainUntil: 1 });
invoiceSchema.plugin(personalData, {
  personalFields: ['customer.name', 'customer.email', 'customer.address', 'customer.taxId'],
  accountIdFrom: { path: 'accountId' },
});

export type InvoiceDoc = InferSchemaType<typeof invoiceSchema>;
export const invoiceModel = (conn: Connection) => conn.model('Invoice', invoiceSchema, 'invoices');
