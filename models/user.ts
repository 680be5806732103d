import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { ROLES } from '../contracts/api-types.ts';
import { personalData, SYSTEM_OWNER } from '../lib/crypto/encrypted-fields.ts';

/** Console users (operations staff, engineers, admins). */
const userSchema = new Schema(
  {
    _id: { type: String, required: true },
    // Personal data, stored as ciphertext. Users belong to no account: the system data key encrypts them.
    // The address is normalised (trimmed, lower-cased) by lib/users.ts before saving: a setter here would
    // rewrite the ciphertext.
    email: { type: String, required: true },
    name: { type: String, required: true },
    /** Keyed HMAC of the normalised address: sign-in finds the user by it, and it keeps addresses unique. */
    emailBlindIndex: { type: String },
    passwordHash: { type: String, required: true },
    roles: { type: [String], enum: ROLES, required: true },
    disabled: { type: Boolean, default: false },
    lastLoginAt: { type: Date },
  },
  { timestamps: true, versionKey: false },
);
userSchema.index({ emailBlindIndex: 1 }, { unique: true });
userSchema.plugin(personalData, { personalFields: ['email', 'name'], blindIndexes: { email: 'email' }, accountIdFrom: { fixed: SYSTEM_OWNER } });

export type UserDoc = InferSchemaType<typeof userSchema>;
export const userModel = (conn: Connection) => conn.model('User', userSchema, 'users');
