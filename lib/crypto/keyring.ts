/**
 * Envelope encryption's key hierarchy, as an interface both the field encryption (MongoDB) and the Temporal
 * payload codec build on. A master key (LORO_MASTER_KEY, never stored) wraps one data key per account, plus
 * a system key for what belongs to no account. Destroying an account's data key (crypto-shredding) makes every
 * ciphertext under it unreadable: in MongoDB, in workflow history, in backups.
 */
export const SYSTEM_OWNER = 'system';

export interface DataKey {
  /** Stable, opaque ID stored next to every ciphertext (e.g. `dk_<hex>`). */
  keyId: string;
  /** The account ID the key belongs to, or SYSTEM_OWNER. */
  ownerId: string;
  /** 32 raw bytes for AES-256-GCM / HMAC. Never logged, never persisted unwrapped. */
  key: Buffer;
}

export interface Keyring {
  /**
   * The current data key of an owner, created (and persisted wrapped) on first use. After destroy(), the next
   * call creates a fresh key: what runs on for the owner can still encrypt, nothing from before is readable.
   */
  dataKeyFor(ownerId: string): Promise<DataKey>;
  /**
   * The owner's current data key if it has one, never creating one: for look-ups (blind indexes), which must not
   * mint keys for owners that have none or were shredded. Optional; without it look-ups fall back to dataKeyFor.
   */
  currentDataKeyOf?(ownerId: string): Promise<DataKey | null>;
  /** The key a ciphertext names; throws UnknownKeyError or KeyDestroyedError (lib/crypto/errors.ts). */
  dataKeyById(keyId: string): Promise<DataKey>;
  /** Crypto-shredding: destroys every data key of the owner; returns what was destroyed and when. */
  destroy(ownerId: string): Promise<{ keyIds: string[]; destroyedAt: Date }>;
}
