import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { personalData, SYSTEM_OWNER } from '../lib/crypto/encrypted-fields.ts';

export const SECURITY_EVENT_KINDS = ['new-device', 'password-changed', 'api-token-created', 'role-changed', 'email-changed'] as const;
export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/**
 * What a security alert mail is about. The API writes the event, then starts the `securityAlert` workflow with
 * the event's ID only (workflow ID `security-alert-<eventId>`); the worker's activity reads it here. `details`
 * hold no personal data (device family and network prefix, token ID and scopes, roles). `recipient` is set only
 * when the alert must go elsewhere than the user's current address — an email change alerts the old one — and
 * is stored encrypted.
 */
const securityEventSchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    kind: { type: String, enum: SECURITY_EVENT_KINDS, required: true },
    at: { type: Date, required: true },
    details: { type: Schema.Types.Mixed, default: {} },
    recipient: { type: String },
    mailedAt: { type: Date },
  },
  { versionKey: false, minimize: false },
);
securityEventSchema.index({ userId: 1, at: -1 });
securityEventSchema.plugin(personalData, { personalFields: ['recipient'], accountIdFrom: { fixed: SYSTEM_OWNER } });

export type SecurityEventDoc = InferSchemaType<typeof securityEventSchema>;
export const securityEventModel = (conn: Connection) => conn.model('SecurityEvent', securityEventSchema, 'security_events');
