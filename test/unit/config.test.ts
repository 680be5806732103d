/** The one config module: defaults, one-line errors naming the variable, and the API entry's start-up failure. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, withServiceAddresses } from '../../config/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `fn`, expects a ConfigError and returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

const PRODUCTION = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'x'.repeat(32),
  TEMPORAL_ADDRESS: 'temporal:7233',
  MONGODB_URI: 'mongodb://mongo:27017/loro',
  SMTP_URL: 'smtp://relay:25',
  PUBLIC_URL: 'https://engine.loro.example',
  LORO_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
};

const tempDirs: string[] = [];
afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'loro-config-'));
  tempDirs.push(dir);
  return dir;
}

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      env: 'development',
      dataDir: resolve('./data'),
      cacheDir: resolve(join(homedir(), '.cache', 'loro')),
      temporal: { address: undefined, namespace: 'default', taskQueue: 'loro-main', uiUrl: undefined, tls: false, workflowBundle: undefined },
      mongoUri: undefined,
      smtpUrl: undefined,
      mailSinkUrl: undefined,
      mailFrom: 'LORO CRM <no-reply@loro.example>',
      http: { host: '127.0.0.1', port: 8080, publicUrl: 'http://127.0.0.1:8080', tls: undefined },
      crmUrl: 'https://app.loro.example',
      sessionSecret: undefined,
      masterKey: { key: undefined, file: undefined, previousKey: undefined, previousFile: undefined },
      logLevel: 'info',
      loginMaxAttempts: 5,
      workerShutdownGrace: '30s',
      usageRetentionDays: 90,
      policyNotice: { batchSize: 50, pause: '1m' },
      exports: { ttlMs: 7 * 86_400_000 },
      nurturing: { sendsPerMinute: 600 },
      cancellation: { graceDays: 30, financialRetentionDays: 3653 },
      locationRetentionDays: 30,
      planning: { start: '06:00', approvalCutoff: '07:30', dayEnd: '20:00' },
      routing: { osrm: undefined, estimate: { speedKmh: 40, detourFactor: 1.3 } },
      map: { tileUrl: undefined },
    });
  });

  it('refuses a fault point in production', () => {
    expect(loadConfig({ NODE_ENV: 'test', LORO_FAULT_PAUSE_AT: 'mail-before-commit' }).faultPauseAt).toBe('mail-before-commit');
    expect(configError(() => loadConfig({ ...PRODUCTION, LORO_FAULT_PAUSE_AT: 'mail-before-commit' })).message).toMatch(/^config: LORO_FAULT_PAUSE_AT /);
  });

  it('takes a map tile URL template with {z}, {x} and {y} only', () => {
    expect(loadConfig({ MAP_TILE_URL: 'https://tiles.example/{z}/{x}/{y}.png' }).map.tileUrl).toBe('https://tiles.example/{z}/{x}/{y}.png');
    expect(configError(() => loadConfig({ MAP_TILE_URL: 'https://tiles.example/{z}/{x}.png' })).message).toMatch(/^config: MAP_TILE_URL /);
    expect(configError(() => loadConfig({ MAP_TILE_URL: 'https://{s}.tiles.example/{z}/{x}/{y}.png' })).message).toMatch(/^config: MAP_TILE_URL /);
  });

  it('coerces typed values from their text', () => {
    const c = loadConfig({ PORT: '9001', HOST: '0.0.0.0', TEMPORAL_TLS: 'true', LOGIN_MAX_ATTEMPTS: '3', PUBLIC_URL: 'https://x.example/' });
    expect(c.http).toMatchObject({ port: 9001, host: '0.0.0.0', publicUrl: 'https://x.example' });
    expect(c.temporal.tls).toBe(true);
    expect(c.loginMaxAttempts).toBe(3);
  });

  it('rejects a non-numeric PORT with one line naming PORT, what it expects and the bad value', () => {
    const err = configError(() => loadConfig({ PORT: 'abc' }));
    expect(err.variable).toBe('PORT');
    expect(err.message.split('\n')).toHaveLength(1);
    expect(err.message).toMatch(/^config: PORT /);
    expect(err.message).toContain('an integer port 0–65535');
    expect(err.message).toContain('"abc"');
  });

  it('rejects an out-of-range PORT too', () => {
    const err = configError(() => loadConfig({ PORT: '70000' }));
    expect(err.variable).toBe('PORT');
    expect(err.message).toContain('"70000"');
  });

  it('requires SESSION_SECRET in production', () => {
    const { SESSION_SECRET: _, ...withoutSecret } = PRODUCTION;
    expect(() => loadConfig(PRODUCTION)).not.toThrow();
    const err = configError(() => loadConfig(withoutSecret));
    expect(err.variable).toBe('SESSION_SECRET');
    expect(err.message).toMatch(/^config: SESSION_SECRET is required in production/);
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it('requires the master key in production, one way only, and never echoes it', () => {
    const { LORO_MASTER_KEY: key, ...withoutKey } = PRODUCTION;
    const missing = configError(() => loadConfig(withoutKey));
    expect(missing.variable).toBe('LORO_MASTER_KEY');
    expect(missing.message).toMatch(/^config: LORO_MASTER_KEY is required in production \(or LORO_MASTER_KEY_FILE\)/);
    expect(loadConfig({ ...withoutKey, LORO_MASTER_KEY_FILE: '/run/secrets/loro-master-key' }).masterKey.file).toBe('/run/secrets/loro-master-key');
    expect(configError(() => loadConfig({ ...PRODUCTION, LORO_MASTER_KEY_FILE: '/k' })).variable).toBe('LORO_MASTER_KEY_FILE');
    const bad = configError(() => loadConfig({ LORO_MASTER_KEY: 'c2hvcnQ-secret-looking-value' }));
    expect(bad.variable).toBe('LORO_MASTER_KEY');
    expect(bad.message).not.toContain('secret-looking');
    expect(bad.message).toContain('not shown');
    expect(configError(() => loadConfig({ LORO_MASTER_KEY_PREVIOUS: 'nope' })).message).not.toContain('nope');
    expect(loadConfig({ LORO_MASTER_KEY: key }).masterKey.key).toBe(key);
  });

  it('names the missing half of the TLS pair', () => {
    expect(configError(() => loadConfig({ TLS_CERT_FILE: '/etc/loro/cert.pem' })).variable).toBe('TLS_KEY_FILE');
    expect(configError(() => loadConfig({ TLS_KEY_FILE: '/etc/loro/key.pem' })).variable).toBe('TLS_CERT_FILE');
    expect(loadConfig({ TLS_CERT_FILE: '/c.pem', TLS_KEY_FILE: '/k.pem' }).http.tls).toEqual({ certFile: '/c.pem', keyFile: '/k.pem' });
  });

  it('treats empty strings as unset', () => {
    const blank = { PORT: '', NODE_ENV: '', LOG_LEVEL: '', LOGIN_MAX_ATTEMPTS: '', TEMPORAL_ADDRESS: '', MONGODB_URI: '', HOST: '' };
    expect(loadConfig(blank)).toEqual(loadConfig({}));
    // An empty secret in production is a missing secret, not a valid one.
    expect(configError(() => loadConfig({ ...PRODUCTION, SESSION_SECRET: '' })).variable).toBe('SESSION_SECRET');
    // An empty key file does not complete the TLS pair.
    expect(configError(() => loadConfig({ TLS_CERT_FILE: '/c.pem', TLS_KEY_FILE: '' })).variable).toBe('TLS_KEY_FILE');
  });
});

describe('withServiceAddresses', () => {
  it('names TEMPORAL_ADDRESS when nothing is set and no embedded services are running', async () => {
    const dir = await tempDir();
    const err = configError(() => withServiceAddresses(loadConfig({ LORO_DATA_DIR: dir })));
    expect(err.variable).toBe('TEMPORAL_ADDRESS');
    expect(err.message).toContain('npm run services');
  });

  it('names the next missing address when only some are set', async () => {
    const dir = await tempDir();
    expect(configError(() => withServiceAddresses(loadConfig({ LORO_DATA_DIR: dir, TEMPORAL_ADDRESS: 'h:7233' }))).variable).toBe('MONGODB_URI');
  });

  it('fills unset addresses from the embedded services file', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'services.json'),
      JSON.stringify({ temporalAddress: '127.0.0.1:7233', temporalUiUrl: 'http://127.0.0.1:8233', mongoUri: 'mongodb://127.0.0.1:27017/loro', smtpUrl: 'smtp://127.0.0.1:2525', mailSinkUrl: 'http://127.0.0.1:8025' }),
    );
    const c = withServiceAddresses(loadConfig({ LORO_DATA_DIR: dir, MONGODB_URI: 'mongodb://elsewhere:27017/x' }));
    expect(c.temporal.address).toBe('127.0.0.1:7233');
    expect(c.temporal.uiUrl).toBe('http://127.0.0.1:8233');
    expect(c.mongoUri).toBe('mongodb://elsewhere:27017/x'); // a set value wins over the file
    expect(c.smtpUrl).toBe('smtp://127.0.0.1:2525');
    expect(c.mailSinkUrl).toBe('http://127.0.0.1:8025');
  });
});

describe('the API entry with a bad setting', () => {
  it('exits 1 within 20 s with exactly one stderr line naming PORT', async () => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'abc' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((done, fail) => {
      child.once('error', fail);
      child.once('close', (c) => done(c));
    }).finally(() => clearTimeout(timer));
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(code).toBe(1);
    const lines = stderr.split('\n');
    expect(lines.at(-1)).toBe(''); // the one line ends with a newline
    expect(lines.slice(0, -1), stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^loro api: config: PORT /);
    expect(lines[0]).toContain('"abc"');
    expect(stdout).toBe('');
  }, 30_000);
});
