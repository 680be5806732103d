import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { personalData } from '../lib/crypto/encrypted-fields.ts';

/**
 * A GPS position of a technician, taken only with location consent and during the shift. The position
 * ({lat, lng, accuracy}) is personal data; the time is not, so the retention sweep can delete by it.
 */
const locationPointSchema = new Schema(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    technicianId: { type: String, required: true },
    at: { type: Date, required: true },
    position: { type: Schema.Types.Mixed, required: true },
    receivedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
locationPointSchema.index({ accountId: 1, technicianId: 1, at: -1 });
locationPointSchema.index({ at: 1 });
locationPointSchema.plugin(personalData, { personalFields: ['position'], accountIdFrom: { path: 'accountId' } });

export type LocationPointDoc = InferSchemaType<typeof locationPointSchema>;
export const locationPointModel = (conn: Connection) => conn.model('LocationPoint', locationPointSchema, 'location_points');
