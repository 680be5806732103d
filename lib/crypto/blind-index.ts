/**
 * Blind indexes: equality look-ups (by email, by phone) on values stored only as ciphertext. The index is
 * HMAC-SHA256 over the normalised value, keyed per account with a key derived from the account's data key
 * (HKDF-SHA256, info 'loro-blind-index'), truncated to 16 bytes (32 hex digits: no accidental collisions at any
 * plausible size, and less to go on for whoever reads the database).
 *
 * Keyed, so the index cannot be brute-forced from a list of addresses without the key; per account, so the same
 * address in two accounts gives two unrelated indexes; derived from the data key, so crypto-shredding the
 * account makes its indexes unlinkable too: nobody can compute them again.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { DataKey, Keyring } from './keyring.ts';

export type BlindIndexKind = 'email' | 'phone';

export const BLIND_INDEX_INFO = 'loro-blind-index';
const INDEX_BYTES = 16;

/**
 * The form two spellings of the same address share. email: trimmed and lower-cased (Unicode NFC first, so
 * composed and decomposed letters agree); phone: the digits, with a leading + kept (+49 30 123 → +4930123).
 */
export function normaliseForIndex(kind: BlindIndexKind, value: string): string {
  const text = value.normalize('NFC').trim();
  if (kind === 'email') return text.toLowerCase();
  return `${text.startsWith('+') ? '+' : ''}${text.replace(/\D/g, '')}`;
}

// HKDF per look-up is cheap, but a bulk insert computes thousands: keep the derived key next to the data key.
const indexKeys = new WeakMap<Buffer, Buffer>();

function indexKey(dataKey: DataKey): Buffer {
  let key = indexKeys.get(dataKey.key);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', dataKey.key, Buffer.alloc(0), BLIND_INDEX_INFO, 32));
    indexKeys.set(dataKey.key, key);
  }
  return key;
}

/** The index of `value` under the account's data key (32 hex digits). The kind is part of the MAC input. */
export function blindIndexWithKey(dataKey: DataKey, kind: BlindIndexKind, value: string): string {
  const normalised = normaliseForIndex(kind, value);
  if (!normalised.replace('+', '')) throw new RangeError(`a blind index of an empty ${kind} would match every other empty one`);
  return createHmac('sha256', indexKey(dataKey)).update(`${kind}:${normalised}`).digest().subarray(0, INDEX_BYTES).toString('hex');
}

/**
 * The index to look `value` up by, under the owner's current data key; null when the owner has no key (nothing
 * of it was ever stored, or it was shredded): nothing can match, and no key is created for a mere look-up.
 */
export async function lookupBlindIndex(keyring: Keyring, ownerId: string, kind: BlindIndexKind, value: string): Promise<string | null> {
  const key = keyring.currentDataKeyOf ? await keyring.currentDataKeyOf(ownerId) : await keyring.dataKeyFor(ownerId);
  return key && blindIndexWithKey(key, kind, value);
}
