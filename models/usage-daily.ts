import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { DEVICES } from '../lib/usage/parse-user-agent.ts';

/** Daily usage counts per account, UTC day, page, action, browser, OS and device; written by the roll-up (lib/usage/roll-up.ts) with $max of a whole-day recount. */
const usageDailySchema = new Schema(
  {
    accountId: { type: String, required: true },
    day: { type: String, required: true },
    page: { type: String, required: true },
    action: { type: String, required: true },
    browserName: { type: String, required: true },
    browserMajor: { type: String, default: null },
    osName: { type: String, required: true },
    device: { type: String, enum: DEVICES, required: true },
    count: { type: Number, required: true, default: 0 },
  },
  { versionKey: false },
);
usageDailySchema.index({ accountId: 1, day: 1, page: 1, action: 1, browserName: 1, browserMajor: 1, osName: 1, device: 1 }, { unique: true });

export type UsageDailyDoc = InferSchemaType<typeof usageDailySchema>;
export const usageDailyModel = (conn: Connection) => conn.model('UsageDaily', usageDailySchema, 'usage_daily');
