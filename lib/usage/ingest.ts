/**
 * Usage ingestion: each event is validated on its own (every failing field reported), normalised — IP cut to
 * its prefix, user agent parsed, page reduced to its path — and the good ones stored with ONE unordered insertMany.
 * Nothing else is written on the request path: the daily aggregates are computed later by the roll-up
 * (lib/usage/roll-up.ts). Before, each request also bumped usage_daily with a $inc upsert per (day, page, action,
 * agent …) row — hundreds of upserts per batch, which FerretDB serialises: ingestion ran at ≈ 2,900 events/s, and a
 * failure between the two writes left events stored but not counted (or, on retry, counted twice).
 *
 * Idempotency: every event's `_id` is its key — `<accountId>/<id>` when the client sent an `id`, otherwise a
 * digest of the normalised event and its occurrence number among identical events of the batch (a retried batch
 * produces the same keys; two identical events in one batch stay two). A key already stored is a retry: the event
 * counts as accepted (reported in `duplicates`) and is not stored again. The digest covers only what is stored
 * (IP prefix, parsed agent), so it reveals nothing the document does not.
 *
 * Honest results: an event is in `accepted` only when it is stored now or was stored before (duplicate key); any
 * other write error fails the request (500) — the events of the batch that did get in are whole documents, and the
 * client's retry of the same batch counts them as duplicates. So nothing is half-written and nothing counted twice.
 *
 * The raw IP and user agent are never stored and never logged.
 */
import { createHash } from 'node:crypto';
import { Ajv } from 'ajv';
import { MongoBulkWriteError } from 'mongodb';
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
export interface IngestResult { accepted: number; duplicates: number; rejected: RejectedEvent[] }

export interface NormalisedUsageEvent {
  /** The client's event ID, if it sent one. */
  id?: string;
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

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The times an event may carry: from `retentionDays` ago less an hour (older events would be swept at once; the
 * hour is what the sweep relies on: a day it rolls up and deletes can receive no event still in flight — see
 * lib/usage/roll-up.ts) to a day ahead (clock skew; a far-future event would never be swept).
 */
export function acceptedWindow(retentionDays: number, now = Date.now()) {
  return { from: now - retentionDays * DAY + HOUR, to: now + DAY };
}

/** Validates and normalises one event; `base` prefixes the error paths (e.g. `/body/events/3`). */
export function normaliseEvent(raw: unknown, base: string, window?: { from: number; to: number }): { event: NormalisedUsageEvent } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (!validateEvent(raw)) {
    for (const e of validateEvent.errors!) {
      const d = describe('', e);
      errors.push({ path: base + d.path.slice(1), message: d.message });
    }
  }
  const at = (raw as { at?: unknown } | null)?.at;
  if (window && typeof at === 'string' && !errors.some((e) => e.path === `${base}/at`)) {
    const t = Date.parse(at);
    if (t < window.from) errors.push({ path: `${base}/at`, message: `must be within the usage retention (${new Date(window.from).toISOString()} or later)` });
    else if (t > window.to) errors.push({ path: `${base}/at`, message: 'must not be more than a day in the future' });
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
    event: { ...(e.id === undefined ? {} : { id: e.id }), accountId: e.accountId, userId: e.userId, at: new Date(e.at), ipPrefix, browser: ua.browser, os: ua.os, device: ua.device, page: pagePath(e.page), action: e.action },
  };
}

export const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** The stored document of an event; `occurrence` numbers identical ID-less events of one batch. */
function toDocument(e: NormalisedUsageEvent, occurrences: Map<string, number>, receivedAt: Date) {
  const { id, ...fields } = e;
  let _id: string;
  if (id !== undefined) _id = `${e.accountId}/${id}`;
  else {
    const content = [e.accountId, e.userId, e.at.getTime(), e.ipPrefix, e.browser.name, e.browser.major, e.os.name, e.device, e.page, e.action].join('\u0000');
    const n = occurrences.get(content) ?? 0;
    occurrences.set(content, n + 1);
    // 128 bits of SHA-256: '~' keeps digests apart from client IDs, which always hold a '/'.
    _id = `~${createHash('sha256').update(`${content}\u0000${n}`).digest('base64url').slice(0, 22)}`;
  }
  return { _id, ...fields, day: dayOf(e.at), receivedAt };
}

/**
 * A request whose insert took longer than this after stamping `receivedAt` re-stamps its events, so the roll-up's
 * watermark (which trails the clock by ROLL_UP_LAG_MS, twice this) cannot pass events it has not seen.
 */
export const RESTAMP_AFTER_MS = 30_000;

export function createUsageIngest(models: Pick<Models, 'UsageEvent'>, opts: { retentionDays: number }) {
  return {
    async ingest(raws: unknown[]): Promise<IngestResult & { stored: NormalisedUsageEvent[] }> {
      const events = models.UsageEvent.collection;
      const window = acceptedWindow(opts.retentionDays);
      const good: NormalisedUsageEvent[] = [];
      const rejected: RejectedEvent[] = [];
      raws.forEach((raw, index) => {
        const r = normaliseEvent(raw, `/body/events/${index}`, window);
        if ('event' in r) good.push(r.event);
        else rejected.push({ index, errors: r.errors });
      });
      let duplicates = 0;
      if (good.length) {
        const receivedAt = new Date();
        const occurrences = new Map<string, number>();
        const docs = good.map((e) => toDocument(e, occurrences, receivedAt));
        try {
          // The bare driver: the documents are already validated and normalised; mongoose would cast them again.
          await events.insertMany(docs as never[], { ordered: false });
        } catch (err) {
          if (!(err instanceof MongoBulkWriteError)) throw err;
          const writeErrors = [err.writeErrors].flat();
          // Only "already stored" is an acceptance; and every document must be accounted for, or we fail loudly.
          if (writeErrors.some((w) => w.code !== 11000) || err.result.insertedCount + writeErrors.length !== docs.length) throw err;
          duplicates = writeErrors.length;
        }
        if (Date.now() - receivedAt.getTime() > RESTAMP_AFTER_MS) {
          await events.updateMany({ _id: { $in: docs.map((d) => d._id) } } as never, { $set: { receivedAt: new Date() } });
        }
      }
      return { accepted: good.length, duplicates, rejected, stored: good };
    },
  };
}
