/**
 * The encrypting Temporal payload codec: every payload the engine hands to Temporal (workflow and activity inputs
 * and results, signals, queries, updates, memos, failure messages and stack traces) leaves the process encrypted
 * with AES-256-GCM under the data key of the account it belongs to, or under the system key.
 *
 * Which account a payload belongs to: the SDK hands the codec a serialization context naming the workflow that
 * owns the payload (for an activity's payloads, the workflow that scheduled it), on the client, in the worker's
 * workflow activations and in its activity tasks alike. Workflow IDs are business keys that embed the account ID
 * (`account-onboarding-acc_…`, see contracts/workflow-ids.ts), so the owner is read from the workflow ID, outside
 * the sandbox and without any cooperation from workflow code (payloadKeyOwnerOfWorkflowId names the few workflows
 * that must outlive their account's key and use the system key). No context (the codec server's /encode, async
 * activity completion by task token) or no account ID in the workflow ID → the system key.
 *
 * Wire format of an encrypted payload:
 *   metadata  encoding = binary/encrypted, encryption-key-id = <key ID>, loro-owner = <account ID | system>
 *   data      iv (12 bytes) | ciphertext | GCM tag (16 bytes)
 * The plaintext is the whole original payload (its metadata and data) as protobuf, so nothing about the value —
 * not even its encoding — is visible; the AAD binds the key ID and the owner, so neither can be swapped.
 * Metadata holds only opaque IDs. Payloads without the encrypted encoding decode unchanged (histories written
 * before encryption was switched on stay readable).
 *
 * Keys are not cached here: every call asks the keyring, so a destroyed key stops decoding at once (the keyring
 * caches as it sees fit and must forget a key when it is destroyed).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
// A CommonJS package whose exports Node cannot detect statically: the default import works under tsx and vitest alike.
import proto from '@temporalio/proto';
import { payloadKeyOwnerOfWorkflowId } from '../../contracts/workflow-ids.ts';
import { SYSTEM_OWNER, type DataKey, type Keyring } from './keyring.ts';
import { TamperedCiphertextError } from './errors.ts';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const OWNER_METADATA = 'loro-owner';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD_LABEL = 'loro/temporal-payload/v1';
const ProtoPayload = proto.temporal.api.common.v1.Payload;
const utf8 = new TextDecoder();

/** The owner of the payloads of a serialization context: the account its workflow ID names, else the system. */
export function ownerOfContext(context?: SerializationContext): string {
  const workflowId = context?.workflowId;
  return (workflowId ? payloadKeyOwnerOfWorkflowId(workflowId) : undefined) ?? SYSTEM_OWNER;
}

const metadataText = (payload: Payload, key: string): string | undefined => {
  const v = payload.metadata?.[key];
  return v ? utf8.decode(v) : undefined;
};

export const isEncryptedPayload = (payload: Payload) => metadataText(payload, 'encoding') === ENCRYPTED_ENCODING;

/** Who an encrypted payload belongs to, from its metadata (undefined for a plaintext payload). */
export const payloadOwner = (payload: Payload) => (isEncryptedPayload(payload) ? metadataText(payload, OWNER_METADATA) : undefined);

const tampered = (reason: 'authentication-failed' | 'malformed', what: string, keyId?: string) =>
  new TamperedCiphertextError({ keyId }, reason, `the encrypted Temporal payload${keyId ? ` under key ${keyId}` : ''} ${what}`);

const aad = (keyId: string, ownerId: string) => Buffer.from(`${AAD_LABEL}\0${keyId}\0${ownerId}`);

function seal(payload: Payload, key: DataKey): Payload {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(key.keyId, key.ownerId));
  const head = cipher.update(ProtoPayload.encode(payload).finish());
  const tail = cipher.final();
  return {
    metadata: {
      encoding: Buffer.from(ENCRYPTED_ENCODING),
      [KEY_ID_METADATA]: Buffer.from(key.keyId),
      [OWNER_METADATA]: Buffer.from(key.ownerId),
    },
    data: Buffer.concat([iv, head, tail, cipher.getAuthTag()]),
  };
}

function open(payload: Payload, key: DataKey, ownerId: string): Payload {
  const data = payload.data;
  if (!data || data.length < IV_BYTES + TAG_BYTES) throw tampered('malformed', 'is too short to be a ciphertext', key.keyId);
  const iv = data.subarray(0, IV_BYTES);
  const tag = data.subarray(data.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(key.keyId, ownerId));
  decipher.setAuthTag(tag);
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw tampered('authentication-failed', 'failed authentication: its data, key ID or owner was altered', key.keyId);
  }
  try {
    return ProtoPayload.decode(plaintext);
  } catch {
    throw tampered('malformed', 'decrypted to something that is not a payload', key.keyId);
  }
}

export interface EncryptionCodecOptions {
  keyring: Keyring;
  /** Maps a serialization context to its owner; default {@link ownerOfContext} (account ID in the workflow ID). */
  ownerOf?: (context?: SerializationContext) => string;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly keyring: Keyring;
  private readonly ownerOf: (context?: SerializationContext) => string;

  constructor(opts: EncryptionCodecOptions) {
    this.keyring = opts.keyring;
    this.ownerOf = opts.ownerOf ?? ownerOfContext;
  }

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    if (payloads.length === 0) return payloads;
    const key = await this.keyring.dataKeyFor(this.ownerOf(context));
    if (key.key.length !== 32) throw new Error(`data key ${key.keyId} is not 32 bytes`);
    return payloads.map((p) => seal(p, key));
  }

  /** Throws UnknownKeyError / KeyDestroyedError (from the keyring) or TamperedCiphertextError; never returns garbage. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    // One keyring lookup per key ID and call; nothing outlives the call.
    const keys = new Map<string, Promise<DataKey>>();
    return Promise.all(
      payloads.map(async (payload) => {
        if (!isEncryptedPayload(payload)) return payload;
        const keyId = metadataText(payload, KEY_ID_METADATA);
        const ownerId = metadataText(payload, OWNER_METADATA);
        if (!keyId || !ownerId) throw tampered('malformed', `has no ${KEY_ID_METADATA} or ${OWNER_METADATA}`, keyId);
        let lookup = keys.get(keyId);
        if (!lookup) keys.set(keyId, (lookup = this.keyring.dataKeyById(keyId)));
        const key = await lookup;
        if (key.keyId !== keyId || key.ownerId !== ownerId) throw tampered('authentication-failed', `names owner ${ownerId} but its key belongs to ${key.ownerId}`, keyId);
        return open(payload, key, ownerId);
      }),
    );
  }
}
