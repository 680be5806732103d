import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * Data keys, wrapped under the master key (lib/crypto/mongo-keyring.ts is the only reader and writer; the key
 * collection is deliberately not part of createModels). One record per key; a destroyed key keeps its record
 * without key material, so a ciphertext naming it fails with "destroyed", not "unknown".
 */
const dataKeySchema = new Schema(
  {
    /** `dk_<32 hex>`, stored next to every ciphertext the key made. */
    _id: { type: String, required: true },
    /** Account ID, or SYSTEM_OWNER for what belongs to no account. */
    ownerId: { type: String, required: true },
    /**
     * Unique. `<ownerId>` while the key is the owner's current one, so concurrent first uses insert one key and
     * the losers re-read it; `destroyed:<keyId>` once destroyed, which frees the owner's slot and never collides.
     * Always set, never missing: MongoDB's unique indexes treat a missing field as null (two destroyed keys
     * would collide), FerretDB's do not, and partial indexes are not available on FerretDB.
     */
    currentFor: { type: String, required: true },
    /** IV ‖ tag ‖ AES-256-GCM(master, data key), AAD `keyId|ownerId`; removed when the key is destroyed. */
    wrappedKey: { type: Buffer },
    /** Which master key wrapped it (first 16 hex of its SHA-256). */
    masterKeyId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    destroyedAt: { type: Date },
  },
  { versionKey: false },
);
dataKeySchema.index({ currentFor: 1 }, { unique: true });
dataKeySchema.index({ ownerId: 1 });

export type DataKeyDoc = InferSchemaType<typeof dataKeySchema>;
export const DATA_KEYS_COLLECTION = 'data_keys';
export const dataKeyModel = (conn: Connection) => conn.model('DataKey', dataKeySchema, DATA_KEYS_COLLECTION);
export type DataKeyModel = ReturnType<typeof dataKeyModel>;
