/**
 * One personal value in, one string out: AES-256-GCM under the owning account's data key, bound to where it
 * is stored. The stored form is a compact ASCII string, so it fits an ordinary String path in mongoose, BSON and
 * JSON exports alike:
 *
 *     v1.<keyId>.<context>.<iv>.<ciphertext>.<tag>          (segments after the key ID in base64url)
 *
 *  - keyId    `dk_<32 hex>`: which data key to ask the keyring for (and what crypto-shredding destroys)
 *  - context  a 32-bit FNV-1a hash of the AAD: lets a ciphertext moved elsewhere be reported as WrongContextError
 *             rather than as tampering. A hint, not a MAC (GCM decides authenticity), hence the cheap hash: a
 *             cryptographic one cost a tenth of the time of a bulk decrypt
 *  - iv       12 random bytes; ciphertext: AES-GCM of JSON.stringify(value); tag: 16 bytes
 *
 * AAD = `${accountId}|${collection}|${field}|${documentId}`: a ciphertext copied to another account, collection,
 * field or document fails authentication instead of decrypting there. Values are JSON: strings, numbers, booleans,
 * arrays and objects (e.g. a GPS position {lat, lng}); a Date comes back as its ISO string.
 */
import { open, seal } from './aes-gcm.ts';
import { TamperedCiphertextError, WrongContextError, type CiphertextContext } from './errors.ts';
import type { DataKey, Keyring } from './keyring.ts';

export type FieldContext = CiphertextContext;

export const FIELD_CIPHER_VERSION = 'v1';
const PREFIX = `${FIELD_CIPHER_VERSION}.`;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

export const fieldAad = (c: FieldContext) => `${c.accountId}|${c.collection}|${c.field}|${c.documentId}`;
function contextTag(aad: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < aad.length; i++) hash = Math.imul(hash ^ aad.charCodeAt(i), 0x01000193);
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(hash >>> 0);
  return bytes.toString('base64url');
}

/** Whether a stored value has the shape of a field ciphertext (it may still fail to decrypt). */
export const isFieldCiphertext = (value: unknown): value is string => typeof value === 'string' && value.startsWith(PREFIX);

/** A stored value taken apart (parseFieldCiphertext), so a batch parses each value once. */
export interface ParsedFieldCiphertext {
  keyId: string;
  context: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Canonical base64url only: the bits the last character carries beyond the last byte must be zero, so a changed
 * character is never silently absorbed by the decoder (every stored character is covered by authentication).
 */
function segment(text: string): Buffer | null {
  if (!SEGMENT.test(text) || text.length % 4 === 1) return null;
  const spareBits = (text.length * 6) % 8;
  if (spareBits && (ALPHABET.indexOf(text.at(-1)!) & ((1 << spareBits) - 1)) !== 0) return null;
  return Buffer.from(text, 'base64url');
}

/** Takes a stored value apart; TamperedCiphertextError (malformed) when it is not a field ciphertext. */
export function parseFieldCiphertext(stored: unknown, context: Partial<FieldContext> = {}): ParsedFieldCiphertext {
  const malformed = () => new TamperedCiphertextError(context, 'malformed');
  if (!isFieldCiphertext(stored)) throw malformed();
  const parts = stored.split('.');
  if (parts.length !== 6) throw malformed();
  const [, keyId, tag6, iv, ciphertext, tag] = parts as [string, string, string, string, string, string];
  const bytes = [iv, ciphertext, tag].map(segment);
  if (!/^dk_[0-9a-f]{32}$/.test(keyId) || !SEGMENT.test(tag6) || bytes.some((b) => b === null)) throw malformed();
  return { keyId, context: tag6, iv: bytes[0]!, ciphertext: bytes[1]!, tag: bytes[2]! };
}

/** The data key ID a stored ciphertext names (to fetch the key before decrypting many values at once). */
export const ciphertextKeyId = (stored: unknown, context: Partial<FieldContext> = {}) => parseFieldCiphertext(stored, context).keyId;

/** Encrypts with a key the caller already holds; it must be the data key of `context.accountId`. */
export function encryptWithKey(key: DataKey, value: unknown, context: FieldContext): string {
  if (key.ownerId !== context.accountId) throw new TypeError(`a value of ${context.accountId} must be encrypted with its own data key, not ${key.ownerId}'s`);
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`${context.collection}.${context.field}: only JSON values can be encrypted`);
  const aad = fieldAad(context);
  const { iv, ciphertext, tag } = seal(key.key, Buffer.from(json, 'utf8'), Buffer.from(aad, 'utf8'));
  return [FIELD_CIPHER_VERSION, key.keyId, contextTag(aad), iv.toString('base64url'), ciphertext.toString('base64url'), tag.toString('base64url')].join('.');
}

/**
 * Decrypts with the key the ciphertext names (see ciphertextKeyId). Throws TamperedCiphertextError for altered
 * or non-ciphertext values and WrongContextError for one read in a place it was not written for.
 */
export function decryptWithKey(key: DataKey, stored: unknown, context: FieldContext): unknown {
  return decryptParsed(key, parseFieldCiphertext(stored, context), context);
}

/** decryptWithKey for a value parsed already. */
export function decryptParsed(key: DataKey, parsed: ParsedFieldCiphertext, context: FieldContext): unknown {
  if (parsed.keyId !== key.keyId) throw new TypeError(`the ciphertext names data key ${parsed.keyId}, not ${key.keyId}`);
  const where = () => ({ ...context, keyId: parsed.keyId });
  const aad = fieldAad(context);
  const expected = contextTag(aad);
  // Another account's key can only mean the value was moved here from another account.
  if (key.ownerId !== context.accountId) throw new WrongContextError(where());
  const plaintext = open(key.key, parsed, Buffer.from(aad, 'utf8'));
  if (!plaintext) throw parsed.context === expected ? new TamperedCiphertextError(where(), 'authentication-failed') : new WrongContextError(where());
  // Authentic body with an altered context hash: still an altered value.
  if (parsed.context !== expected) throw new TamperedCiphertextError(where(), 'authentication-failed');
  return JSON.parse(plaintext.toString('utf8')) as unknown;
}

/** Encrypt and decrypt single values through a keyring (for many values at once see lib/crypto/encrypted-fields.ts). */
export function createFieldCipher(keyring: Keyring) {
  return {
    async encrypt(value: unknown, context: FieldContext): Promise<string> {
      return encryptWithKey(await keyring.dataKeyFor(context.accountId), value, context);
    },
    async decrypt(stored: unknown, context: FieldContext): Promise<unknown> {
      return decryptWithKey(await keyring.dataKeyById(ciphertextKeyId(stored, context)), stored, context);
    },
  };
}

export type FieldCipher = ReturnType<typeof createFieldCipher>;
