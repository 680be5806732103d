/**
 * The typed failures of the crypto layer. Each carries the identifiers an operator needs (key IDs, owner IDs,
 * which field of which document) as readonly context, never plaintext or key bytes: these errors end up in
 * logs, problem responses and Temporal failure payloads.
 */

export type CryptoErrorCode = 'unknown-key' | 'key-destroyed' | 'tampered-ciphertext' | 'wrong-context' | 'master-key';

export abstract class CryptoError extends Error {
  abstract readonly code: CryptoErrorCode;
}

/** A ciphertext or caller names a data key that was never created here (or belongs to another database). */
export class UnknownKeyError extends CryptoError {
  override name = 'UnknownKeyError';
  readonly code = 'unknown-key';
  constructor(readonly keyId: string) {
    super(`data key ${keyId} does not exist`);
  }
}

/** The data key was crypto-shredded: what it protected is gone for good, by design. */
export class KeyDestroyedError extends CryptoError {
  override name = 'KeyDestroyedError';
  readonly code = 'key-destroyed';
  constructor(
    readonly keyId: string,
    readonly ownerId: string,
    readonly destroyedAt: Date,
  ) {
    super(`data key ${keyId} of ${ownerId} was destroyed at ${destroyedAt.toISOString()}; what it encrypted can no longer be read`);
  }
}

/** Where a field ciphertext is expected to live: part of its authenticated data (AAD). */
export interface CiphertextContext {
  accountId: string;
  collection: string;
  field: string;
  documentId: string;
}

/**
 * The ciphertext failed authentication (AES-GCM tag) or is not a ciphertext at all: a byte was changed, the
 * value was truncated, or plaintext sits where ciphertext belongs. Decryption never returns garbage instead.
 */
export class TamperedCiphertextError extends CryptoError {
  override name = 'TamperedCiphertextError';
  readonly code: CryptoErrorCode = 'tampered-ciphertext';
  constructor(
    readonly context: Partial<CiphertextContext> & { keyId?: string },
    readonly reason: 'authentication-failed' | 'malformed',
    message = reason === 'malformed'
      ? `the value of ${describe(context)} is not a ciphertext this engine wrote (plaintext, truncated or corrupted)`
      : `the ciphertext of ${describe(context)} failed authentication: it was altered`,
  ) {
    super(message);
  }
}

/**
 * An intact ciphertext read in the wrong place: copied to another account, collection, field or document.
 * Detected because the authenticated context does not match (a short hash of the context travels with the
 * ciphertext, so this is told apart from tampering). It is still an authentication failure, hence the subclass.
 */
export class WrongContextError extends TamperedCiphertextError {
  override name = 'WrongContextError';
  override readonly code = 'wrong-context';
  constructor(context: CiphertextContext & { keyId?: string }) {
    super(context, 'authentication-failed', `the ciphertext read as ${describe(context)} was written for another account, collection, field or document`);
  }
}

/** The master key is missing, malformed, or not the one a data key was wrapped with. */
export class MasterKeyError extends CryptoError {
  override name = 'MasterKeyError';
  readonly code = 'master-key';
  constructor(
    message: string,
    readonly detail: { masterKeyId?: string; keyId?: string } = {},
  ) {
    super(message);
  }
}

function describe(c: Partial<CiphertextContext> & { keyId?: string }): string {
  const where = c.collection ? `${c.collection}.${c.field ?? '?'} of ${c.documentId ?? '?'} (account ${c.accountId ?? '?'})` : 'a value';
  return c.keyId ? `${where} under key ${c.keyId}` : where;
}
