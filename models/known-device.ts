import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * Devices a console user has signed in from (lib/security/devices.ts): only a keyed hash of the user agent's
 * family and the network prefix, never the agent string or the address. A sign-in from a hash not listed here
 * raises a new-device security alert.
 */
const knownDeviceSchema = new Schema(
  {
    /** The device hash (HMAC over user ID, browser, OS, device class and network prefix). */
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    firstSeenAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
  },
  { versionKey: false },
);
knownDeviceSchema.index({ userId: 1 });

export type KnownDeviceDoc = InferSchemaType<typeof knownDeviceSchema>;
export const knownDeviceModel = (conn: Connection) => conn.model('KnownDevice', knownDeviceSchema, 'known_devices');
