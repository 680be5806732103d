/**
 * The master key: the one secret that is never stored in the database. It only wraps data keys (AES-256-GCM),
 * so rotating it rewraps a few small records and never touches the data. Production brings it through
 * LORO_MASTER_KEY or LORO_MASTER_KEY_FILE; development and tests generate one in the data folder, as the API
 * does for its session secret, so a fresh checkout runs without setup and keeps its data readable across restarts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from '../../config/index.ts';
import { KEY_BYTES, open, seal, TAG_BYTES, IV_BYTES } from './aes-gcm.ts';

export interface MasterKey {
  /** First 16 hex digits of SHA-256(key): names the key next to what it wrapped, reveals nothing usable. */
  id: string;
  key: Buffer;
}

export interface MasterKeys {
  current: MasterKey;
  /** Only during a rotation: data keys still wrapped under it can be read and rewrapped. */
  previous?: MasterKey;
}

export const DEVELOPMENT_MASTER_KEY_FILE = 'master-key';

export const masterKeyId = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 16);

/** A new master key in the form LORO_MASTER_KEY expects (what `openssl rand -base64 32` prints). */
export const generateMasterKey = () => randomBytes(KEY_BYTES).toString('base64');

const BASE64_32 = /^[A-Za-z0-9+/_-]{43}=?$/;

/** `source` names where the text came from, for the error; the text itself is never echoed. */
export function parseMasterKey(text: string, variable: string, source = 'the value given is not shown'): MasterKey {
  const trimmed = text.trim();
  // Node's base64 decoder accepts the URL-safe alphabet too; the pattern makes sure nothing is silently skipped.
  const key = BASE64_32.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES) throw new ConfigError(variable, `must be base64 of exactly 32 bytes (${source})`);
  return { id: masterKeyId(key), key };
}

function readKeyFile(path: string, variable: string): MasterKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(variable, `names a file that cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): ${path}`);
  }
  return parseMasterKey(text, variable, `read from ${path}; its content is not shown`);
}

/**
 * The development key in <dataDir>/master-key, created on first use (mode 0600). It is written under a
 * temporary name and linked into place, so processes starting together (API and worker under `npm start`,
 * parallel test files) all end up with the same key and nobody reads a half-written file.
 */
function developmentMasterKey(dataDir: string): MasterKey {
  const file = join(dataDir, DEVELOPMENT_MASTER_KEY_FILE);
  try {
    return parseMasterKey(readFileSync(file, 'utf8'), 'LORO_MASTER_KEY', `the development key in ${file} is damaged; set LORO_MASTER_KEY or remove the file — what it encrypted is then lost`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${generateMasterKey()}\n`, { mode: 0o600 });
  try {
    linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(temp);
  }
  return parseMasterKey(readFileSync(file, 'utf8'), 'LORO_MASTER_KEY', `the development key in ${file}`);
}

export function loadMasterKeys(config: Pick<Config, 'env' | 'dataDir' | 'masterKey'>): MasterKeys {
  const { key, file, previousKey, previousFile } = config.masterKey;
  let current: MasterKey;
  if (key) current = parseMasterKey(key, 'LORO_MASTER_KEY');
  else if (file) current = readKeyFile(file, 'LORO_MASTER_KEY_FILE');
  else if (config.env === 'production') throw new ConfigError('LORO_MASTER_KEY', 'is required in production (or LORO_MASTER_KEY_FILE)');
  else current = developmentMasterKey(config.dataDir);

  let previous: MasterKey | undefined;
  if (previousKey) previous = parseMasterKey(previousKey, 'LORO_MASTER_KEY_PREVIOUS');
  else if (previousFile) previous = readKeyFile(previousFile, 'LORO_MASTER_KEY_PREVIOUS_FILE');
  if (previous && previous.id === current.id) {
    throw new ConfigError(previousKey ? 'LORO_MASTER_KEY_PREVIOUS' : 'LORO_MASTER_KEY_PREVIOUS_FILE', 'is the same key as the current master key: give the key being rotated away from');
  }
  return { current, previous };
}

/** Wrapped data key as stored: IV ‖ tag ‖ ciphertext (12 + 16 + 32 bytes). */
export function wrapDataKey(master: MasterKey, dataKey: Buffer, aad: string): Buffer {
  const { iv, tag, ciphertext } = seal(master.key, dataKey, Buffer.from(aad, 'utf8'));
  return Buffer.concat([iv, tag, ciphertext]);
}

/** The data key, or null when `master` is not the key it was wrapped with (or the record was altered). */
export function unwrapDataKey(master: MasterKey, wrapped: Buffer, aad: string): Buffer | null {
  if (wrapped.length !== IV_BYTES + TAG_BYTES + KEY_BYTES) return null;
  const iv = wrapped.subarray(0, IV_BYTES);
  const tag = wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const ciphertext = wrapped.subarray(IV_BYTES + TAG_BYTES);
  return open(master.key, { iv, tag, ciphertext }, Buffer.from(aad, 'utf8'));
}
