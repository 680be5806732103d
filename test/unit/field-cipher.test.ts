/**
 * One field value: round trips for every JSON shape, and every way a stored value can be wrong — a changed
 * byte, an unknown key, a ciphertext moved to another document, field, collection or account — ends in a
 * typed error, never in garbage. Keys come from the real MongoDB keyring on this file's own database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../lib/mongo.ts';
import { createKeyring, type MongoKeyring } from '../../lib/crypto/mongo-keyring.ts';
import { createFieldCipher, isFieldCiphertext, type FieldCipher, type FieldContext } from '../../lib/crypto/field-cipher.ts';
import { TamperedCiphertextError, UnknownKeyError, WrongContextError } from '../../lib/crypto/errors.ts';
import { testConfig } from '../fixtures/engine.ts';

let mongo: Connection;
let keyring: MongoKeyring;
let cipher: FieldCipher;

beforeAll(async () => {
  const config = testConfig();
  mongo = await connectMongo(config.mongoUri);
  keyring = await createKeyring(mongo, config);
  cipher = createFieldCipher(keyring);
});
afterAll(async () => {
  await mongo?.dropDatabase();
  await mongo?.close();
});

const ctx: FieldContext = { accountId: 'acc_field_a', collection: 'leads', field: 'email', documentId: 'lead_1' };

/** Decodes one base64url segment of the stored form, flips a bit, encodes it back. */
function flipByte(stored: string, segment: 3 | 4 | 5): string {
  const parts = stored.split('.');
  const bytes = Buffer.from(parts[segment]!, 'base64url');
  bytes[0]! ^= 0x01;
  parts[segment] = bytes.toString('base64url');
  return parts.join('.');
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('field cipher', () => {
  it.each([
    ['a string', 'olive@acme.example'],
    ['unicode', 'Zoë Ñandú 東京 🦜'],
    ['a number', 42.5],
    ['a GPS position', { lat: 35.6895, lng: 139.6917 }],
    ['an array', ['+81 3 1234 5678', null, true]],
    ['an empty string', ''],
  ])('round-trips %s', async (_label, value) => {
    const stored = await cipher.encrypt(value, ctx);
    expect(isFieldCiphertext(stored)).toBe(true);
    expect(stored).toMatch(/^v1\.dk_[0-9a-f]{32}\.[\w-]{6}\.[\w-]{16}\.[\w-]*\.[\w-]{22}$/);
    if (typeof value === 'string' && value) expect(stored).not.toContain(value);
    expect(await cipher.decrypt(stored, ctx)).toEqual(value);
  });

  it('gives a fresh IV every time: equal values do not give equal ciphertexts', async () => {
    const [a, b] = await Promise.all([cipher.encrypt('same', ctx), cipher.encrypt('same', ctx)]);
    expect(a).not.toBe(b);
  });

  it.each([
    ['IV', 3],
    ['ciphertext', 4],
    ['tag', 5],
  ] as const)('a changed byte of the %s → TamperedCiphertextError', async (_label, segment) => {
    const stored = await cipher.encrypt({ lat: 1, lng: 2 }, ctx);
    const err = await rejection(cipher.decrypt(flipByte(stored, segment), ctx));
    expect(err).toBeInstanceOf(TamperedCiphertextError);
    expect(err).not.toBeInstanceOf(WrongContextError);
    expect((err as TamperedCiphertextError).reason).toBe('authentication-failed');
    expect(err.message).not.toContain('lat');
  });

  it('a changed character that base64 would silently absorb is still caught', async () => {
    const stored = await cipher.encrypt('x', ctx);
    // The last character of the 22-character tag carries 2 unused bits: decoders ignore them, the parser does not.
    const parts = stored.split('.');
    const tag = parts[5]!;
    const last = tag.at(-1)!;
    parts[5] = tag.slice(0, -1) + (last === 'A' ? 'B' : String.fromCharCode(last.charCodeAt(0) ^ 1));
    expect(await rejection(cipher.decrypt(parts.join('.'), ctx))).toBeInstanceOf(TamperedCiphertextError);
  });

  it('plaintext or a truncated value where ciphertext belongs → TamperedCiphertextError (malformed)', async () => {
    const stored = await cipher.encrypt('x', ctx);
    for (const bad of ['olive@acme.example', stored.slice(0, -3).split('.').slice(0, 5).join('.'), 'v1.dk_x.a.b.c.d', 12]) {
      const err = await rejection(cipher.decrypt(bad, ctx));
      expect(err).toBeInstanceOf(TamperedCiphertextError);
      expect((err as TamperedCiphertextError).reason).toBe('malformed');
      expect(err.message).not.toContain('olive');
    }
  });

  it('an unknown key ID → UnknownKeyError', async () => {
    const stored = await cipher.encrypt('x', ctx);
    const foreign = stored.replace(/dk_[0-9a-f]{32}/, `dk_${'0'.repeat(32)}`);
    const err = await rejection(cipher.decrypt(foreign, ctx));
    expect(err).toBeInstanceOf(UnknownKeyError);
    expect((err as UnknownKeyError).keyId).toBe(`dk_${'0'.repeat(32)}`);
  });

  it.each([
    ['another document', { documentId: 'lead_2' }],
    ['another field', { field: 'phone' }],
    ['another collection', { collection: 'contacts' }],
  ])('a ciphertext copied to %s → WrongContextError', async (_label, moved) => {
    const stored = await cipher.encrypt('olive@acme.example', ctx);
    const err = await rejection(cipher.decrypt(stored, { ...ctx, ...moved }));
    expect(err).toBeInstanceOf(WrongContextError);
    expect(err).toBeInstanceOf(TamperedCiphertextError);
    expect(err.message).not.toContain('olive');
  });

  it('a ciphertext copied to another account → WrongContextError (even where that account has its own key)', async () => {
    const stored = await cipher.encrypt('olive@acme.example', ctx);
    await cipher.encrypt('something', { ...ctx, accountId: 'acc_field_b' });
    const err = await rejection(cipher.decrypt(stored, { ...ctx, accountId: 'acc_field_b' }));
    expect(err).toBeInstanceOf(WrongContextError);
    expect(err).toMatchObject({ context: { accountId: 'acc_field_b', keyId: expect.stringMatching(/^dk_/) } });
  });

  it('an altered context hash on an authentic ciphertext is tampering, not a wrong place', async () => {
    const stored = await cipher.encrypt('x', ctx);
    const parts = stored.split('.');
    parts[2] = parts[2] === 'AAAAAA' ? 'AAAAAB' : 'AAAAAA';
    const err = await rejection(cipher.decrypt(parts.join('.'), ctx));
    expect(err).toBeInstanceOf(TamperedCiphertextError);
    expect(err).not.toBeInstanceOf(WrongContextError);
  });

  it('refuses values JSON cannot carry', async () => {
    await expect(cipher.encrypt(undefined, ctx)).rejects.toThrow(TypeError);
    await expect(cipher.encrypt(() => 1, ctx)).rejects.toThrow(TypeError);
  });
});
