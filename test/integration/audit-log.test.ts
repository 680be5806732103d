/** The audit chain: concurrent appends stay one chain; each kind of tampering is found at its first bad entry. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../lib/mongo.ts';
import { auditEntryModel } from '../../models/audit-entry.ts';
import { createAuditLog, entryHash, type AuditLog } from '../../lib/audit/audit-log.ts';
import { testConfig } from '../fixtures/engine.ts';

let mongo: Connection;
let log: AuditLog;
let Audit: ReturnType<typeof auditEntryModel>;

beforeAll(async () => {
  mongo = await connectMongo(testConfig().mongoUri);
  Audit = auditEntryModel(mongo);
  await Audit.createIndexes();
  log = createAuditLog(Audit);
});
afterAll(async () => {
  await mongo?.dropDatabase();
  await mongo?.close();
});
beforeEach(async () => {
  await Audit.deleteMany({});
});

const event = (i: number) => ({ actor: { kind: 'user' as const, id: `usr_${i}` }, action: 'user.created', target: { type: 'user', id: `usr_t${i}` }, details: { roles: ['ops'], n: i } });

async function appendTen() {
  for (let i = 1; i <= 10; i++) await log.append(event(i));
}

describe('audit log', () => {
  it('chains entries and verifies', async () => {
    await appendTen();
    const result = await log.verify();
    expect(result).toMatchObject({ ok: true, entries: 10 });
    const [first, second] = await Audit.find().sort({ _id: 1 }).limit(2).lean();
    expect(first!.prevHash).toBe('0'.repeat(64));
    expect(second!.prevHash).toBe(first!.hash);
  });

  it('keeps one chain under concurrent appends', async () => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => log.append(event(i))));
    const result = await log.verify();
    expect(result).toMatchObject({ ok: true, entries: 25 });
  });

  it('keeps one chain when two processes append at once, each committing its queue in batches', async () => {
    // A second model on its own connection object: another process's writer, racing this one for the same numbers.
    const other = mongo.useDb(mongo.name, { useCache: false });
    try {
      const otherLog = createAuditLog(auditEntryModel(other));
      const appended = await Promise.all(Array.from({ length: 120 }, (_, i) => (i % 2 ? log : otherLog).append(event(i))));
      expect(new Set(appended.map((e) => e.seq)).size).toBe(120);
      expect(await log.verify()).toMatchObject({ ok: true, entries: 120 });
      // Each caller got the entry that holds its own event.
      for (const [i, entry] of appended.entries()) expect(entry.details).toEqual(event(i).details);
    } finally {
      other.deleteModel(/.*/);
    }
  });

  it('finds an edited entry', async () => {
    await appendTen();
    await Audit.updateOne({ _id: 5 }, { $set: { 'details.roles': ['admin'] } });
    expect(await log.verify()).toMatchObject({ ok: false, firstBad: { seq: 5, problem: 'edited' } });
  });

  it('finds a removed entry', async () => {
    await appendTen();
    await Audit.deleteOne({ _id: 5 });
    expect(await log.verify()).toMatchObject({ ok: false, firstBad: { seq: 6, problem: 'missing-before' } });
  });

  it('finds reordered entries even when the forger recomputed their own hashes', async () => {
    await appendTen();
    const [e5, e6] = (await Audit.find({ _id: { $in: [5, 6] } }).sort({ _id: 1 }).lean()) as never as { _id: number; [k: string]: unknown }[];
    // Put entry 6's event at position 5 and vice versa, each with a self-consistent hash.
    const rewrite = async (pos: number, from: typeof e5) => {
      const moved = { seq: pos, at: from!.at as Date, actor: from!.actor as never, action: from!.action as string, target: from!.target as never, details: from!.details as never, prevHash: from!.prevHash as string };
      await Audit.replaceOne({ _id: pos }, { _id: pos, ...moved, hash: entryHash(moved) });
    };
    await rewrite(5, e6);
    await rewrite(6, e5);
    expect(await log.verify()).toMatchObject({ ok: false, firstBad: { seq: 5, problem: 'chain-broken' } });
  });

  it('exports JSON Lines that re-verify outside the engine', async () => {
    await appendTen();
    const lines: string[] = [];
    for await (const line of log.exportJsonLines()) lines.push(line);
    expect(lines).toHaveLength(10);
    let prev = '0'.repeat(64);
    for (const line of lines) {
      const e = JSON.parse(line);
      expect(e.prevHash).toBe(prev);
      expect(entryHash({ ...e, at: new Date(e.at) })).toBe(e.hash);
      prev = e.hash;
    }
  });
});
