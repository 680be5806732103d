/**
 * The append-only, hash-chained audit log. Each entry holds the hash of the one before it, so an edited,
 * removed or reordered entry breaks the chain at that point, and `verify` names the first bad entry.
 * FerretDB has no transactions: appends are serialised by the unique sequence number instead (a writer that
 * loses the race re-reads the tail and tries the next number).
 */
import { createHash } from 'node:crypto';
import type { AuditEntryDoc, auditEntryModel } from '../../models/audit-entry.ts';
import { canonicalJson } from './canonical-json.ts';
import { isDuplicateKeyError } from '../mongo.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEvent {
  actor: { kind: 'user' | 'token' | 'system' | 'anonymous'; id?: string };
  action: string;
  target?: { type: string; id: string };
  /** IDs, counts, reasons — never personal data. */
  details?: Record<string, unknown>;
}

export interface AuditEntry extends AuditEvent {
  seq: number;
  at: Date;
  prevHash: string;
  hash: string;
}

export type VerifyResult =
  | { ok: true; entries: number; lastHash: string }
  | { ok: false; entries: number; firstBad: { seq: number; problem: 'edited' | 'missing-before' | 'chain-broken' }; detail: string };

export class AuditAppendError extends Error {
  constructor(
    readonly action: string,
    readonly attempts: number,
  ) {
    super(`could not append audit entry ${action} after ${attempts} attempts (contention)`);
    this.name = 'AuditAppendError';
  }
}

export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const { seq, at, actor, action, target, details, prevHash } = e;
  return createHash('sha256').update(canonicalJson({ seq, at, actor, action, target, details, prevHash })).digest('hex');
}

const toEntry = (d: AuditEntryDoc & { _id: number }): AuditEntry => ({
  seq: d._id,
  at: d.at,
  actor: { kind: d.actor!.kind, ...(d.actor!.id ? { id: d.actor!.id } : {}) },
  action: d.action,
  ...(d.target?.type ? { target: { type: d.target.type, id: d.target.id! } } : {}),
  ...(d.details ? { details: d.details as Record<string, unknown> } : {}),
  prevHash: d.prevHash,
  hash: d.hash,
});

/**
 * Appends of one process go through one queue per collection: a busy worker appends one entry after another
 * instead of every append racing every other for the next number. Other processes can still take a number first;
 * the loser re-reads the tail and retries.
 */
const queues = new WeakMap<object, { tail: Promise<unknown> }>();

export function createAuditLog(AuditEntry: ReturnType<typeof auditEntryModel>, clock: () => Date = () => new Date()) {
  async function tail(): Promise<{ seq: number; hash: string }> {
    const last = await AuditEntry.findOne().sort({ _id: -1 }).lean<AuditEntryDoc & { _id: number }>();
    return last ? { seq: last._id, hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
  }
  let q = AuditEntry ? queues.get(AuditEntry) : undefined;
  if (!q) {
    q = { tail: Promise.resolve() };
    if (AuditEntry) queues.set(AuditEntry, q);
  }

  async function appendNow(event: AuditEvent): Promise<AuditEntry> {
    for (let attempt = 1; attempt <= 50; attempt++) {
      const prev = await tail();
      const base = { seq: prev.seq + 1, at: clock(), ...event, prevHash: prev.hash };
      const entry: AuditEntry = { ...base, hash: entryHash(base) };
      try {
        await AuditEntry.create({ _id: entry.seq, at: entry.at, actor: entry.actor, action: entry.action, target: entry.target, details: entry.details, prevHash: entry.prevHash, hash: entry.hash });
        return entry;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
    }
    throw new AuditAppendError(event.action, 50);
  }

  const log = {
    append(event: AuditEvent): Promise<AuditEntry> {
      const appended = q!.tail.then(() => appendNow(event));
      q!.tail = appended.catch(() => undefined);
      return appended;
    },

    /** Walks the chain in sequence order; streams, so a long log is never held in memory. */
    async verify(): Promise<VerifyResult> {
      let expectedSeq = 1;
      let prevHash = GENESIS_HASH;
      let count = 0;
      for await (const doc of AuditEntry.find().sort({ _id: 1 }).lean<AuditEntryDoc & { _id: number }>().cursor()) {
        const e = toEntry(doc as AuditEntryDoc & { _id: number });
        count++;
        if (e.seq !== expectedSeq) {
          return { ok: false, entries: count, firstBad: { seq: e.seq, problem: 'missing-before' }, detail: `entry ${expectedSeq} is missing before entry ${e.seq}` };
        }
        if (entryHash(e) !== e.hash) {
          return { ok: false, entries: count, firstBad: { seq: e.seq, problem: 'edited' }, detail: `entry ${e.seq} does not match its hash: it was changed after it was written` };
        }
        if (e.prevHash !== prevHash) {
          return { ok: false, entries: count, firstBad: { seq: e.seq, problem: 'chain-broken' }, detail: `entry ${e.seq} does not follow entry ${e.seq - 1}: entries were reordered or rewritten` };
        }
        prevHash = e.hash;
        expectedSeq++;
      }
      return { ok: true, entries: count, lastHash: prevHash };
    },

    /** JSON Lines for auditors: one entry per line, in chain order, with the hashes to re-verify them. */
    async *exportJsonLines(): AsyncGenerator<string> {
      for await (const doc of AuditEntry.find().sort({ _id: 1 }).lean<AuditEntryDoc & { _id: number }>().cursor()) {
        yield `${canonicalJson(toEntry(doc as AuditEntryDoc & { _id: number }))}\n`;
      }
    },
    /**
     * Appends once per idempotency key (kept as `details.key`): a retried step finds its earlier entry instead of
     * adding a second. Returns the entry's sequence number.
     */
    async appendOnce(key: string, event: AuditEvent): Promise<number> {
      const existing = await AuditEntry.findOne({ 'details.key': key }, { _id: 1 }).lean<{ _id: number }>();
      if (existing) return existing._id;
      return (await log.append({ ...event, details: { ...event.details, key } })).seq;
    },
  };
  return log;
}

export type AuditLog = ReturnType<typeof createAuditLog>;
