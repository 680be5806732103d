import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { DEVICES } from '../lib/usage/parse-user-agent.ts';

/**
 * Raw usage events, kept USAGE_RETENTION_DAYS (the nightly retention sweep deletes older ones). Holds no full
 * IP address and no user-agent string: only the network prefix and the parsed browser, OS and device class.
 */
const usageEventSchema = new Schema(
  {
    accountId: { type: String, required: true },
    userId: { type: String, required: true },
    at: { type: Date, required: true },
    ipPrefix: { type: String, required: true },
    browser: { name: { type: String, required: true }, major: { type: String, default: null } },
    os: { name: { type: String, required: true } },
    device: { type: String, enum: DEVICES, required: true },
    page: { type: String, required: true },
    action: { type: String, required: true },
  },
  { versionKey: false },
);
// The retention sweep deletes by `at`; reads go per account and time range.
usageEventSchema.index({ at: 1 });
usageEventSchema.index({ accountId: 1, at: 1 });

export type UsageEventDoc = InferSchemaType<typeof usageEventSchema>;
export const usageEventModel = (conn: Connection) => conn.model('UsageEvent', usageEventSchema, 'usage_events');
