/** The archive encryption (lib/exports/segmented-aead.ts): round trip, and every kind of damage detected. */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { createDecryptStream, createEncryptStream, HEADER_BYTES, SEGMENT_BYTES } from '../../lib/exports/segmented-aead.ts';
import { ExportArchiveCorruptError } from '../../lib/exports/errors.ts';

const key = randomBytes(32);
const binding = { accountId: `acc_${'a'.repeat(32)}`, exportId: `exp_${'b'.repeat(32)}` };
const SEALED = SEGMENT_BYTES + 16;

/** Feeds `data` in uneven pieces, as a network or GridFS would. */
function pieces(data: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let i = 0, n = 1; i < data.length; i += n, n = (n * 7 + 13) % 100_000 || 1) parts.push(data.subarray(i, i + n));
  return Readable.from(parts);
}
const encrypt = (plain: Buffer) => buffer(pieces(plain).pipe(createEncryptStream(key, binding)));
const decrypt = (sealed: Buffer, k = key, b = binding) => buffer(pieces(sealed).pipe(createDecryptStream(k, b)));

describe('segmented archive encryption', () => {
  it.each([0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 3 * SEGMENT_BYTES, 3 * SEGMENT_BYTES + 12345])('round-trips %i bytes', async (size) => {
    const plain = randomBytes(size);
    const sealed = await encrypt(plain);
    expect(sealed.length).toBe(HEADER_BYTES + Math.max(1, Math.ceil(size / SEGMENT_BYTES)) * 16 + size);
    expect((await decrypt(sealed)).equals(plain)).toBe(true);
  });

  it('never shows plaintext, and two encryptions of one archive differ', async () => {
    const plain = Buffer.from('PK\u0003\u0004 olive@acme.example '.repeat(5000));
    const a = await encrypt(plain);
    const b = await encrypt(plain);
    expect(a.includes(Buffer.from('olive@acme.example'))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('detects a file cut at a segment boundary, mid-segment, or before its first segment', async () => {
    const sealed = await encrypt(randomBytes(3 * SEGMENT_BYTES + 100));
    for (const cut of [HEADER_BYTES + 2 * SEALED, HEADER_BYTES + SEALED + 500, HEADER_BYTES, 10]) {
      await expect(decrypt(sealed.subarray(0, cut)), `cut at ${cut}`).rejects.toBeInstanceOf(ExportArchiveCorruptError);
    }
  });

  it('detects a flipped bit, swapped segments, a wrong key and another export’s binding', async () => {
    const sealed = await encrypt(randomBytes(3 * SEGMENT_BYTES + 100));
    const flipped = Buffer.from(sealed);
    flipped[HEADER_BYTES + SEALED + 10]! ^= 1;
    await expect(decrypt(flipped)).rejects.toBeInstanceOf(ExportArchiveCorruptError);
    const swapped = Buffer.concat([sealed.subarray(0, HEADER_BYTES), sealed.subarray(HEADER_BYTES + SEALED, HEADER_BYTES + 2 * SEALED), sealed.subarray(HEADER_BYTES, HEADER_BYTES + SEALED), sealed.subarray(HEADER_BYTES + 2 * SEALED)]);
    await expect(decrypt(swapped)).rejects.toBeInstanceOf(ExportArchiveCorruptError);
    await expect(decrypt(sealed, randomBytes(32))).rejects.toBeInstanceOf(ExportArchiveCorruptError);
    await expect(decrypt(sealed, key, { ...binding, exportId: `exp_${'c'.repeat(32)}` })).rejects.toBeInstanceOf(ExportArchiveCorruptError);
    // Data appended after the last segment.
    await expect(decrypt(Buffer.concat([sealed, randomBytes(40)]))).rejects.toBeInstanceOf(ExportArchiveCorruptError);
  });
});
