/**
 * Usage ingestion: each event is validated on its own (every failing field reported), normalised — IP cut to
 * its prefix, user agent parsed, page reduced to its path — and the good ones stored; the daily aggregates are
 * bumped with $inc. The raw IP and user agent are never stored and never logged.
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FromSchema } from 'json-schema-to-ts';
import type { Models } from '../../models/index.ts';
import { USAGE_PAGE_MAX, usageEventSchema } from '../../schemas/usage.ts';
import { describe } from '../../api/validate.ts';
import { truncateIp } from './truncate-ip.ts';
import { parseUserAgent, type Device } from './parse-user-agent.ts';

export type UsageEventInput = FromSchema<typeof usageEventSchema>;
export interface FieldError { path: string; message: string }
export interface RejectedEvent { index: number; errors: FieldError[] }
export interface IngestResult { accepted: number; rejected: RejectedEvent[] }

export interface NormalisedUsageEvent {
  accountId: string;
  userId: string;
  at: Date;
  ipPrefix: string;
  browser: { name: string; major: string | null };
  os: { name: string };
  device: Device;
  page: string;
  action: string;
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateEvent = ajv.compile<UsageEventInput>(usageEventSchema);

/** The path of a page: no scheme or host, no query string, no fragment; cut to USAGE_PAGE_MAX. */
export function pagePath(page: string): string {
  let path = page;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    try {
      path = new URL(path).pathname;
    } catch {
      /* not a URL after all: strip below */
    }
  }
  path = path.split(/[?#]/, 1)[0]!;
  return (path || '/').slice(0, USAGE_PAGE_MAX);
}

/** Validates and normalises one event; `base` prefixes the error paths (e.g. `/body/events/3`). */
export function normaliseEvent(raw: unknown, base: string): { event: NormalisedUsageEvent } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (!validateEvent(raw)) {
    for (const e of validateEvent.errors!) {
      const d = describe('', e);
      errors.push({ path: base + d.path.slice(1), message: d.message });
    }
  }
  const ip = (raw as { ip?: unknown } | null)?.ip;
  const ipPrefix = typeof ip === 'string' ? truncateIp(ip) : null;
  if (typeof ip === 'string' && ipPrefix === null && !errors.some((e) => e.path === `${base}/ip`)) {
    errors.push({ path: `${base}/ip`, message: 'must be an IPv4 or IPv6 address' });
  }
  if (errors.length || !ipPrefix) return { errors };
  const e = raw as UsageEventInput;
  const ua = parseUserAgent(e.userAgent);
  return {
    event: { accountId: e.accountId, userId: e.userId, at: new Date(e.at), ipPrefix, browser: ua.browser, os: ua.os, device: ua.device, page: pagePath(e.page), action: e.action },
  };
}

const dayOf = (d: Date) => d.toISOString().slice(0, 10);

export function createUsageIngest(models: Pick<Models, 'UsageEvent' | 'UsageDaily'>) {
  type Counts = Map<string, { key: Record<string, string | null>; n: number }>;
  function count(counts: Counts, events: NormalisedUsageEvent[]) {
    for (const e of events) {
      const key = { accountId: e.accountId, day: dayOf(e.at), page: e.page, action: e.action, browserName: e.browser.name, browserMajor: e.browser.major, osName: e.os.name, device: e.device };
      const id = JSON.stringify(key);
      const c = counts.get(id);
      if (c) c.n++;
      else counts.set(id, { key, n: 1 });
    }
  }

  async function bumpDaily(counts: Counts) {
    let ops = [...counts.values()].map(({ key, n }) => ({ updateOne: { filter: key, update: { $inc: { count: n } }, upsert: true } }));
    // Two batches creating the same day row at once: the loser's upsert hits the unique index; retry those.
    for (let attempt = 0; ops.length; attempt++) {
      try {
        await models.UsageDaily.bulkWrite(ops, { ordered: false });
        return;
      } catch (err) {
        const writeErrors = (err as { writeErrors?: { index: number; code: number }[] }).writeErrors;
        if (attempt >= 3 || !writeErrors?.length || writeErrors.some((w) => w.code !== 11000)) throw err;
        ops = writeErrors.map((w) => ops[w.index]!);
      }
    }
  }

  /*
   * One aggregate flush at a time per process (concurrent upserts creating the same rows conflict, and FerretDB
   * serialises writes anyway); batches arriving while one runs are merged into the next flush — a group commit:
   * each request still waits until its counts are written. The retry in bumpDaily covers other processes.
   */
  let running: Promise<void> = Promise.resolve();
  let pending: { counts: Counts; flushed: Promise<void> } | null = null;
  function bumpCoalesced(events: NormalisedUsageEvent[]): Promise<void> {
    if (!pending) {
      const next: { counts: Counts; flushed: Promise<void> } = { counts: new Map(), flushed: Promise.resolve() };
      next.flushed = running.then(() => {
        if (pending === next) pending = null;
        return bumpDaily(next.counts);
      });
      running = next.flushed.catch(() => undefined);
      pending = next;
    }
    count(pending.counts, events);
    return pending.flushed;
  }

  return {
    async ingest(events: unknown[]): Promise<IngestResult & { stored: NormalisedUsageEvent[] }> {
      const good: NormalisedUsageEvent[] = [];
      const rejected: RejectedEvent[] = [];
      events.forEach((raw, index) => {
        const r = normaliseEvent(raw, `/body/events/${index}`);
        if ('event' in r) good.push(r.event);
        else rejected.push({ index, errors: r.errors });
      });
      if (good.length) {
        await models.UsageEvent.insertMany(good, { ordered: false, lean: true });
        await bumpCoalesced(good);
      }
      return { accepted: good.length, rejected, stored: good };
    },
  };
}
