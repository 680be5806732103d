import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { DEVICES } from '../lib/usage/parse-user-agent.ts';

/**
 * Raw usage events, kept USAGE_RETENTION_DAYS (the nightly retention sweep deletes whole UTC days once they are
 * rolled up into usage_daily). Holds no full IP address and no user-agent string: only the network prefix and the
 * parsed browser, OS and device class.
 *
 * `_id` is the event's idempotency key (lib/usage/ingest.ts): `<accountId>/<client id>`, or a digest of the
 * normalised event when the client sent no ID — a retried batch hits the unique `_id` and is not stored twice.
 * `day` (UTC, of `at`) is what the roll-up groups and the sweep deletes by; `receivedAt` is the roll-up's watermark.
 */
const usageEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    userId: { type: String, required: true },
    at: { type: Date, required: true },
    day: { type: String, required: true },
    receivedAt: { type: Date, required: true },
    ipPrefix: { type: String, required: true },
    browser: { name: { type: String, required: true }, major: { type: String, default: null } },
    os: { name: { type: String, required: true } },
    device: { type: String, enum: DEVICES, required: true },
    page: { type: String, required: true },
    action: { type: String, required: true },
  },
  { versionKey: false },
);
// The roll-up recomputes and the sweep deletes by day; the incremental roll-up finds the days touched since its
// watermark by receivedAt; reads go per account and time range. Each index costs ingestion time on FerretDB: no more.
usageEventSchema.index({ day: 1 });
usageEventSchema.index({ receivedAt: 1 });
usageEventSchema.index({ accountId: 1, at: 1 });

export type UsageEventDoc = InferSchemaType<typeof usageEventSchema>;
export const usageEventModel = (conn: Connection) => conn.model('UsageEvent', usageEventSchema, 'usage_events');
