/**
 * The one typed config module. Nothing else reads process.env: processes call loadConfig() once at start-up
 * and pass what they need to the parts they build. A bad value stops the process with one line naming it.
 */
import { Ajv } from 'ajv';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import type { FromSchema } from 'json-schema-to-ts';
import { configSchema } from './schema.ts';
import { TASK_QUEUES } from '../contracts/task-queues.ts';

type Env = FromSchema<typeof configSchema>;

export interface Config {
  env: 'development' | 'test' | 'production';
  dataDir: string;
  cacheDir: string;
  temporal: { address?: string; namespace: string; taskQueue: string; uiUrl?: string; tls: boolean; workflowBundle?: string };
  mongoUri?: string;
  smtpUrl?: string;
  mailSinkUrl?: string;
  mailFrom: string;
  http: { host: string; port: number; publicUrl: string; tls?: { certFile: string; keyFile: string } };
  crmUrl: string;
  sessionSecret?: string;
  /** Where the master key comes from (lib/crypto/master-key.ts reads it); none set → generated in development. */
  masterKey: { key?: string; file?: string; previousKey?: string; previousFile?: string };
  logLevel: string;
  loginMaxAttempts: number;
  workerShutdownGrace: string;
  /** Days raw usage events are kept (the retention sweep deletes older ones). */
  usageRetentionDays: number;
  /** Days raw GPS positions are kept (the retention sweep deletes older ones). */
  locationRetentionDays: number;
  /** The planning day in each region's zone (local HH:MM). */
  planning: { start: string; approvalCutoff: string; dayEnd: string };
  /** Pacing of the privacy-policy change notice: recipients per batch and the pause after each batch. */
  policyNotice: { batchSize: number; pause: string };
  /** Data exports: how long a finished one and its signed download links stay valid (e.g. 7d). */
  exports: { ttlMs: number };
  /** Lead nurturing: the per-account send rate (a token bucket, activities/nurturing/throttle.ts). */
  nurturing: { sendsPerMinute: number };
  /** Policy values of an account's cancellation, fixed into each cancellation when it is requested. */
  cancellation: { graceDays: number; financialRetentionDays: number };
  /** Road durations and distances: OSRM when `osrm` is set, else the great-circle estimate (routing/providers/). */
  routing: { osrm?: { url: string; profile: string; maxTableSize: number; timeoutMs: number }; estimate: { speedKmh: number; detourFactor: number } };
  /** The console's field map: a tile URL template when one is reachable; none → the map is drawn without tiles. */
  map: { tileUrl?: string };
  /** Fault tests only: where a process stops and waits to be SIGKILLed. */
  faultPauseAt?: 'mail-before-commit';
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
  ) {
    super(`config: ${variable} ${expected}`);
    this.name = 'ConfigError';
  }
}

// Secrets are never echoed; credentials inside URIs are masked.
const SECRETS = new Set(['SESSION_SECRET', 'LORO_MASTER_KEY', 'LORO_MASTER_KEY_PREVIOUS']);
function shown(variable: string, value: string | undefined) {
  if (value === undefined) return '';
  if (SECRETS.has(variable)) return ' (the value given is not shown)';
  return ` (got ${JSON.stringify(value.replace(/\/\/[^@/\s]*@/, '//***@'))})`;
}

/** `30m`, `12h`, `7d` (the schema's pattern) in milliseconds. */
const durationMs = (text: string) => Number(/\d+/.exec(text)![0]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[text.trim().slice(-1) as 'm' | 'h' | 'd'];

/** `500ms`, `30s`, `2m` (OSRM_TIMEOUT's pattern) in milliseconds. */
const shortDurationMs = (text: string) => {
  const m = /^(\d+)\s*(ms|s|m)$/.exec(text.trim())!;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
};

const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: false, strict: false });
const validate = ajv.compile(configSchema);

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const keys = Object.keys(configSchema.properties);
  // Empty strings count as unset, as shells and compose files often export them that way.
  const env: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined && source[key] !== '') env[key] = source[key];
  if (!validate(env)) {
    const err = validate.errors![0]!;
    const variable = err.instancePath.replace(/^\//, '') || String((err.params as { missingProperty?: string }).missingProperty ?? '');
    const property = configSchema.properties[variable as keyof typeof configSchema.properties];
    throw new ConfigError(variable, `must be ${property?.description ?? err.message}${shown(variable, source[variable])}`);
  }
  const e = env as Env;
  if (e.NODE_ENV === 'production') {
    for (const key of ['SESSION_SECRET', 'TEMPORAL_ADDRESS', 'MONGODB_URI', 'SMTP_URL', 'PUBLIC_URL'] as const) {
      if (!e[key]) throw new ConfigError(key, `is required in production: ${configSchema.properties[key].description}`);
    }
    // A generated master key on a server's disk would sit next to the data it protects: production brings its own.
    if (!e.LORO_MASTER_KEY && !e.LORO_MASTER_KEY_FILE) {
      throw new ConfigError('LORO_MASTER_KEY', `is required in production (or LORO_MASTER_KEY_FILE): ${configSchema.properties.LORO_MASTER_KEY.description}`);
    }
  }
  for (const [value, file] of [['LORO_MASTER_KEY', 'LORO_MASTER_KEY_FILE'], ['LORO_MASTER_KEY_PREVIOUS', 'LORO_MASTER_KEY_PREVIOUS_FILE']] as const) {
    if (e[value] && e[file]) throw new ConfigError(file, `must not be set together with ${value}: give the key one way`);
  }
  if (e.LORO_FAULT_PAUSE_AT && e.NODE_ENV === 'production') throw new ConfigError('LORO_FAULT_PAUSE_AT', 'is for fault tests only and must not be set in production');
  if (!!e.TLS_CERT_FILE !== !!e.TLS_KEY_FILE) {
    throw new ConfigError(e.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE', 'must be set together with its pair (TLS_CERT_FILE and TLS_KEY_FILE)');
  }
  const port = e.PORT ?? 8080;
  const host = e.HOST ?? '127.0.0.1';
  return {
    env: e.NODE_ENV ?? 'development',
    dataDir: resolve(e.LORO_DATA_DIR ?? './data'),
    cacheDir: resolve(e.LORO_CACHE_DIR ?? join(homedir(), '.cache', 'loro')),
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue: e.TEMPORAL_TASK_QUEUE ?? TASK_QUEUES.main,
      uiUrl: e.TEMPORAL_UI_URL,
      tls: e.TEMPORAL_TLS ?? false,
      workflowBundle: e.LORO_WORKFLOW_BUNDLE,
    },
    mongoUri: e.MONGODB_URI,
    smtpUrl: e.SMTP_URL,
    mailSinkUrl: e.MAIL_SINK_URL,
    mailFrom: e.MAIL_FROM ?? 'LORO CRM <no-reply@loro.example>',
    http: {
      host,
      port,
      publicUrl: (e.PUBLIC_URL ?? `http://${host}:${port}`).replace(/\/$/, ''),
      tls: e.TLS_CERT_FILE && e.TLS_KEY_FILE ? { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE } : undefined,
    },
    crmUrl: (e.CRM_URL ?? 'https://app.loro.example').replace(/\/$/, ''),
    sessionSecret: e.SESSION_SECRET,
    masterKey: { key: e.LORO_MASTER_KEY, file: e.LORO_MASTER_KEY_FILE, previousKey: e.LORO_MASTER_KEY_PREVIOUS, previousFile: e.LORO_MASTER_KEY_PREVIOUS_FILE },
    logLevel: e.LOG_LEVEL ?? 'info',
    loginMaxAttempts: e.LOGIN_MAX_ATTEMPTS ?? 5,
    workerShutdownGrace: e.WORKER_SHUTDOWN_GRACE ?? '30s',
    usageRetentionDays: e.USAGE_RETENTION_DAYS ?? 90,
    locationRetentionDays: e.LOCATION_RETENTION_DAYS ?? 30,
    planning: { start: e.PLANNING_LOCAL_TIME ?? '06:00', approvalCutoff: e.PLANNING_APPROVAL_CUTOFF ?? '07:30', dayEnd: e.PLANNING_DAY_END ?? '20:00' },
    policyNotice: { batchSize: e.POLICY_NOTICE_BATCH_SIZE ?? 50, pause: e.POLICY_NOTICE_BATCH_PAUSE ?? '1m' },
    exports: { ttlMs: durationMs(e.EXPORT_TTL ?? '7d') },
    nurturing: { sendsPerMinute: e.NURTURING_SENDS_PER_MINUTE ?? 600 },
    cancellation: { graceDays: e.CANCELLATION_GRACE_DAYS ?? 30, financialRetentionDays: e.FINANCIAL_RETENTION_DAYS ?? 3653 },
    routing: {
      osrm: e.OSRM_URL
        ? { url: e.OSRM_URL.replace(/\/$/, ''), profile: e.OSRM_PROFILE ?? 'driving', maxTableSize: e.OSRM_MAX_TABLE_SIZE ?? 100, timeoutMs: shortDurationMs(e.OSRM_TIMEOUT ?? '30s') }
        : undefined,
      estimate: { speedKmh: e.ROUTING_AVERAGE_SPEED_KMH ?? 40, detourFactor: e.ROUTING_DETOUR_FACTOR ?? 1.3 },
    },
    map: { tileUrl: e.MAP_TILE_URL },
    faultPauseAt: e.LORO_FAULT_PAUSE_AT,
  };
}

/** Addresses written by `npm run services` so a process started alone finds the embedded services. */
export interface ServiceAddresses {
  temporalAddress: string;
  temporalUiUrl: string | null;
  mongoUri: string;
  smtpUrl: string;
  mailSinkUrl: string | null;
}

export const servicesFile = (config: Config) => join(config.dataDir, 'services.json');

/** Fills unset service addresses from the running embedded stack, or names what is missing. */
export function withServiceAddresses(config: Config): Config & { temporal: { address: string }; mongoUri: string; smtpUrl: string } {
  let local: ServiceAddresses | undefined;
  const file = servicesFile(config);
  if ((!config.temporal.address || !config.mongoUri || !config.smtpUrl) && existsSync(file)) {
    local = JSON.parse(readFileSync(file, 'utf8')) as ServiceAddresses;
  }
  const temporalAddress = config.temporal.address ?? local?.temporalAddress;
  const mongoUri = config.mongoUri ?? local?.mongoUri;
  const smtpUrl = config.smtpUrl ?? local?.smtpUrl;
  const hint = 'set it, or start the embedded services with `npm run services` (or everything with `npm start`)';
  if (!temporalAddress) throw new ConfigError('TEMPORAL_ADDRESS', `is not set and no embedded services are running: ${hint}`);
  if (!mongoUri) throw new ConfigError('MONGODB_URI', `is not set and no embedded services are running: ${hint}`);
  if (!smtpUrl) throw new ConfigError('SMTP_URL', `is not set and no embedded services are running: ${hint}`);
  return {
    ...config,
    temporal: { ...config.temporal, address: temporalAddress, uiUrl: config.temporal.uiUrl ?? local?.temporalUiUrl ?? undefined },
    mongoUri,
    smtpUrl,
    mailSinkUrl: config.mailSinkUrl ?? local?.mailSinkUrl ?? undefined,
  };
}

export type ResolvedConfig = ReturnType<typeof withServiceAddresses>;
