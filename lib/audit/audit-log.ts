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
 * Appends of one process go through one writer per collection, which commits what has queued up meanwhile as one
 * batch (group commit): one read of the tail and one ordered insert for many entries, so a busy API does not pay a
 * database round trip per entry in series. Other processes can still take a number first; the writer then keeps
 * the prefix of its batch that made it and chains the rest after the new tail.
 */
interface Pending {
  event: AuditEvent;
  resolve(entry: AuditEntry): void;
  reject(err: unknown): void;
}
interface ChainPoint {
  seq: number;
  hash: string;
}
const GENESIS: ChainPoint = { seq: 0, hash: GENESIS_HASH };
const writers = new WeakMap<object, { pending: Pending[]; draining: boolean; known: ChainPoint }>();
const MAX_BATCH = 200;
const MAX_ATTEMPTS = 50;

export function createAuditLog(AuditEntry: ReturnType<typeof auditEntryModel>, clock: () => Date = () => new Date()) {
  // A model-less log (route declarations built for the OpenAPI document) never appends: it gets a writer of its own.
  const w = (AuditEntry && writers.get(AuditEntry)) || { pending: [], draining: false, known: GENESIS };
  if (AuditEntry) writers.set(AuditEntry, w);

  /** The entry numbered `seq` (its hash), or null. Genesis is number 0. */
  const at = async (seq: number): Promise<ChainPoint | null> => {
    if (seq === 0) return GENESIS;
    const d = await AuditEntry.findById(seq, { hash: 1 }).lean<{ hash: string }>();
    return d ? { seq, hash: d.hash } : null;
  };
  /**
   * The last entry, found by its number rather than by sorting the log (a sort reads every entry on some servers):
   * from the last entry this process knows, gallop forward to the first missing number, then search between.
   * Entries are numbered without gaps, so the first missing number follows the last entry.
   */
  async function tail(): Promise<ChainPoint> {
    let lo = w.known;
    const still = await at(lo.seq);
    if (still?.hash !== lo.hash) lo = GENESIS; // the log was replaced (a test's reset): start over
    let hi = lo.seq + 1;
    for (let step = 1; ; step *= 2) {
      const next = await at(lo.seq + step);
      if (!next) {
        hi = lo.seq + step;
        break;
      }
      lo = next;
    }
    while (hi - lo.seq > 1) {
      const mid = Math.floor((lo.seq + hi) / 2);
      const found = await at(mid);
      if (found) lo = found;
      else hi = mid;
    }
    w.known = lo;
    return lo;
  }

  /**
   * Where to chain next, cheaply: the last entry this process wrote, if it is still there (one read). Another
   * process's entry after it makes the insert collide, and the next attempt looks for the tail.
   */
  async function likelyTail(): Promise<ChainPoint> {
    return (await at(w.known.seq))?.hash === w.known.hash ? w.known : tail();
  }

  const chainAfter = (prev: ChainPoint, events: AuditEvent[]): AuditEntry[] => {
    const chain: AuditEntry[] = [];
    for (const event of events) {
      const base = { seq: prev.seq + 1, at: clock(), ...event, prevHash: prev.hash };
      const entry: AuditEntry = { ...base, hash: entryHash(base) };
      chain.push(entry);
      prev = entry;
    }
    return chain;
  };

  async function appendBatch(events: AuditEvent[]): Promise<AuditEntry[]> {
    const done: AuditEntry[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && done.length < events.length; attempt++) {
      const chain = chainAfter(await (attempt === 1 ? likelyTail() : tail()), events.slice(done.length));
      try {
        await AuditEntry.insertMany(
          chain.map((e) => ({ _id: e.seq, at: e.at, actor: e.actor, action: e.action, target: e.target, details: e.details, prevHash: e.prevHash, hash: e.hash })),
          { ordered: true },
        );
        done.push(...chain);
        w.known = chain.at(-1)!;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        // Another process took a number: the entries of ours stored before the clash stay (an ordered insert
        // stores a prefix); the rest are chained again after the new tail.
        for (const e of chain) {
          if ((await at(e.seq))?.hash !== e.hash) break;
          done.push(e);
        }
      }
    }
    if (done.length < events.length) throw new AuditAppendError(events[done.length]!.action, MAX_ATTEMPTS);
    return done;
  }

  async function drain() {
    w.draining = true;
    try {
      while (w.pending.length) {
        const batch = w.pending.splice(0, MAX_BATCH);
        try {
          const entries = await appendBatch(batch.map((p) => p.event));
          batch.forEach((p, i) => p.resolve(entries[i]!));
        } catch (err) {
          batch.forEach((p) => p.reject(err));
        }
      }
    } finally {
      w.draining = false;
    }
  }

  const log = {
    append(event: AuditEvent): Promise<AuditEntry> {
      return new Promise<AuditEntry>((resolve, reject) => {
        w.pending.push({ event, resolve, reject });
        if (!w.draining) void drain();
      });
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
