/**
 * Streaming authenticated encryption of an export archive, in the STREAM construction (Hoang, Reyhanitabar,
 * Rogaway, Vizár 2015; the shape of Tink's AES-GCM-HKDF streaming AEAD): the plaintext is cut into 64 KiB segments,
 * each sealed with AES-256-GCM under a key derived for this one file, with the segment's index and a "last segment"
 * flag in its nonce and associated data. So the download can be decrypted and served segment by segment, in
 * constant memory, and still every alteration is detected: a changed byte, reordered or dropped segments, and a
 * file cut short (its last segment then lacks the flag) — the stream fails with ExportArchiveCorruptError.
 *
 * Layout: header (magic `LOROEXP1`, 16-byte salt, 7-byte nonce prefix) ‖ segment₀ ‖ … ‖ segmentₙ, where every
 * segment but the last holds exactly SEGMENT_BYTES of plaintext and each is ciphertext ‖ 16-byte tag.
 * File key = HKDF-SHA256(content key, salt, "loro-export/v1|<accountId>|<exportId>"); nonce = prefix ‖ uint32 index ‖
 * last flag; AAD = header ‖ uint32 index ‖ last flag.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ExportArchiveCorruptError } from './errors.ts';

export const SEGMENT_BYTES = 64 * 1024;
const TAG_BYTES = 16;
const MAGIC = Buffer.from('LOROEXP1', 'ascii');
const SALT_BYTES = 16;
const PREFIX_BYTES = 7;
export const HEADER_BYTES = MAGIC.length + SALT_BYTES + PREFIX_BYTES;
const CIPHER_SEGMENT_BYTES = SEGMENT_BYTES + TAG_BYTES;

export interface ArchiveBinding {
  accountId: string;
  exportId: string;
}

function fileKey(contentKey: Buffer, salt: Buffer, binding: ArchiveBinding): Buffer {
  return Buffer.from(hkdfSync('sha256', contentKey, salt, `loro-export/v1|${binding.accountId}|${binding.exportId}`, 32));
}

function nonceAndAad(header: Buffer, index: number, last: boolean) {
  const tail = Buffer.alloc(5);
  tail.writeUInt32BE(index, 0);
  tail[4] = last ? 1 : 0;
  const prefix = header.subarray(MAGIC.length + SALT_BYTES, HEADER_BYTES);
  return { nonce: Buffer.concat([prefix, tail]), aad: Buffer.concat([header, tail]) };
}

/** Encrypts what is written to it; the output is the whole encrypted file, header first. */
export function createEncryptStream(contentKey: Buffer, binding: ArchiveBinding): Transform {
  const header = Buffer.concat([MAGIC, randomBytes(SALT_BYTES), randomBytes(PREFIX_BYTES)]);
  const key = fileKey(contentKey, header.subarray(MAGIC.length, MAGIC.length + SALT_BYTES), binding);
  let index = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const sealSegment = (plain: Buffer, last: boolean) => {
    if (index > 0xffffffff) throw new RangeError('export archive too large for one stream');
    const { nonce, aad } = nonceAndAad(header, index++, last);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  };
  return new Transform({
    construct(callback) {
      this.push(header);
      callback();
    },
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      // A full segment is sealed only once more data follows it: the last segment must carry the flag.
      if (pendingBytes > SEGMENT_BYTES) {
        let all = Buffer.concat(pending);
        const out: Buffer[] = [];
        while (all.length > SEGMENT_BYTES) {
          out.push(sealSegment(all.subarray(0, SEGMENT_BYTES), false));
          all = all.subarray(SEGMENT_BYTES);
        }
        pending = [all];
        pendingBytes = all.length;
        this.push(Buffer.concat(out));
      }
      callback();
    },
    flush(callback) {
      this.push(sealSegment(Buffer.concat(pending), true));
      pending = [];
      callback();
    },
  });
}

/** Decrypts an encrypted file; fails with ExportArchiveCorruptError (never emits unauthenticated bytes). */
export function createDecryptStream(contentKey: Buffer, binding: ArchiveBinding): Transform {
  let header: Buffer | undefined;
  let key: Buffer | undefined;
  let index = 0;
  let buffered: Buffer = Buffer.alloc(0);
  const openSegment = (sealed: Buffer, last: boolean) => {
    const { nonce, aad } = nonceAndAad(header!, index, last);
    const decipher = createDecipheriv('aes-256-gcm', key!, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
      index++;
      return plain;
    } catch {
      throw new ExportArchiveCorruptError(binding.exportId, last ? 'truncated-or-altered' : 'altered', index);
    }
  };
  return new Transform({
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      try {
        buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
        if (!header) {
          if (buffered.length < HEADER_BYTES) return callback();
          header = Buffer.from(buffered.subarray(0, HEADER_BYTES));
          if (!header.subarray(0, MAGIC.length).equals(MAGIC)) throw new ExportArchiveCorruptError(binding.exportId, 'not-an-archive', 0);
          key = fileKey(contentKey, header.subarray(MAGIC.length, MAGIC.length + SALT_BYTES), binding);
          buffered = buffered.subarray(HEADER_BYTES);
        }
        const out: Buffer[] = [];
        while (buffered.length > CIPHER_SEGMENT_BYTES) {
          out.push(openSegment(buffered.subarray(0, CIPHER_SEGMENT_BYTES), false));
          buffered = buffered.subarray(CIPHER_SEGMENT_BYTES);
        }
        if (out.length) this.push(Buffer.concat(out));
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback) {
      try {
        if (!header || buffered.length < TAG_BYTES) throw new ExportArchiveCorruptError(binding.exportId, 'truncated-or-altered', index);
        this.push(openSegment(buffered, true));
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}
