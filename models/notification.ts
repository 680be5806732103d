import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * The ledger of mail the engine sent, keyed by idempotency key (workflow ID + step): an activity retried
 * after a crash finds its earlier send here and does not send again. Holds no recipient address.
 */
const notificationSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String },
    kind: { type: String, required: true },
    status: { type: String, enum: ['sending', 'sent'], required: true },
    messageId: { type: String, required: true },
    attempts: { type: Number, default: 1 },
    sentAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
notificationSchema.index({ accountId: 1, createdAt: -1 });
// The dashboard counts mail sent per day.
notificationSchema.index({ status: 1, sentAt: 1 });

export type NotificationDoc = InferSchemaType<typeof notificationSchema>;
export const notificationModel = (conn: Connection) => conn.model('Notification', notificationSchema, 'notifications');
