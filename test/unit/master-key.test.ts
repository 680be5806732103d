/** The master key: where it comes from, its ID, the development key file, and wrapping data keys under it. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/index.ts';
import { generateMasterKey, loadMasterKeys, masterKeyId, unwrapDataKey, wrapDataKey } from '../../lib/crypto/master-key.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'loro-master-key-'));
  dirs.push(dir);
  return dir;
}

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadMasterKeys', () => {
  it('reads LORO_MASTER_KEY (base64 of 32 bytes) and names it by the first 16 hex of its SHA-256', () => {
    const bytes = randomBytes(32);
    const { current, previous } = loadMasterKeys(loadConfig({ LORO_MASTER_KEY: bytes.toString('base64') }));
    expect(current.key.equals(bytes)).toBe(true);
    expect(current.id).toBe(createHash('sha256').update(bytes).digest('hex').slice(0, 16));
    expect(previous).toBeUndefined();
  });

  it('reads LORO_MASTER_KEY_FILE (a trailing newline is fine) and says which file is unreadable or wrong', async () => {
    const dir = await tempDir();
    const key = generateMasterKey();
    await writeFile(join(dir, 'key'), `${key}\n`);
    expect(loadMasterKeys(loadConfig({ LORO_MASTER_KEY_FILE: join(dir, 'key') })).current.key.toString('base64')).toBe(key);

    const missing = configErrorOf(() => loadMasterKeys(loadConfig({ LORO_MASTER_KEY_FILE: join(dir, 'nope') })));
    expect(missing.variable).toBe('LORO_MASTER_KEY_FILE');
    expect(missing.message).toContain('ENOENT');

    await writeFile(join(dir, 'short'), Buffer.alloc(16, 1).toString('base64'));
    const short = configErrorOf(() => loadMasterKeys(loadConfig({ LORO_MASTER_KEY_FILE: join(dir, 'short') })));
    expect(short.message).toContain('exactly 32 bytes');
    expect(short.message).not.toContain(Buffer.alloc(16, 1).toString('base64'));
  });

  it('rejects a key of the wrong length even when it passes the pattern', () => {
    // 43 characters without padding decode to 32 bytes; a 44th would be a 33-byte key: the pattern stops that.
    expect(configErrorOf(() => loadConfig({ LORO_MASTER_KEY: `${'A'.repeat(44)}=` })).variable).toBe('LORO_MASTER_KEY');
  });

  it('in development generates <dataDir>/master-key once (mode 0600) and reuses it', async () => {
    const dir = await tempDir();
    const config = loadConfig({ LORO_DATA_DIR: join(dir, 'data') });
    const first = loadMasterKeys(config);
    const second = loadMasterKeys(config);
    expect(second.current.id).toBe(first.current.id);
    expect((await stat(join(dir, 'data', 'master-key'))).mode & 0o777).toBe(0o600);
  });

  it('is required in production and never generated there', async () => {
    const dir = await tempDir();
    const err = configErrorOf(() => loadMasterKeys({ env: 'production', dataDir: dir, masterKey: {} }));
    expect(err.variable).toBe('LORO_MASTER_KEY');
  });

  it('takes the previous master for a rotation, but not the current one again', () => {
    const current = generateMasterKey();
    const previous = generateMasterKey();
    const keys = loadMasterKeys(loadConfig({ LORO_MASTER_KEY: current, LORO_MASTER_KEY_PREVIOUS: previous }));
    expect(keys.previous?.id).toBe(masterKeyId(Buffer.from(previous, 'base64')));
    expect(configErrorOf(() => loadMasterKeys(loadConfig({ LORO_MASTER_KEY: current, LORO_MASTER_KEY_PREVIOUS: current }))).variable).toBe('LORO_MASTER_KEY_PREVIOUS');
  });
});

describe('wrapping a data key', () => {
  it('unwraps under the same master and AAD only', () => {
    const [a, b] = [generateMasterKey(), generateMasterKey()].map((k) => loadMasterKeys(loadConfig({ LORO_MASTER_KEY: k })).current);
    const dataKey = randomBytes(32);
    const wrapped = wrapDataKey(a!, dataKey, 'dk_1|acc_1');
    expect(wrapped).toHaveLength(60);
    expect(unwrapDataKey(a!, wrapped, 'dk_1|acc_1')?.equals(dataKey)).toBe(true);
    expect(unwrapDataKey(b!, wrapped, 'dk_1|acc_1')).toBeNull();
    expect(unwrapDataKey(a!, wrapped, 'dk_1|acc_2')).toBeNull();
    const flipped = Buffer.from(wrapped);
    flipped[40]! ^= 1;
    expect(unwrapDataKey(a!, flipped, 'dk_1|acc_1')).toBeNull();
  });
});
