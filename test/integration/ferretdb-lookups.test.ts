/**
 * The FerretDB build's patches (FERRETDB_PATCHES in services/build.ts): a filter holding an `_id` is answered from
 * SQLite's unique `_id` index, for string, ObjectId and integer IDs, alone or beside other conditions — and the
 * answers stay MongoDB's (the other conditions still apply; an integer finds a double of the same value); and an
 * unacknowledged write gets no reply, so it cannot shift the replies of the commands after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mongoose';
import { Double, Long, MongoClient, ObjectId, type Collection, type Filter } from 'mongodb';
import { connectMongo } from '../../lib/mongo.ts';
import { testConfig } from '../fixtures/engine.ts';

let mongo: Connection;
/** IDs of every BSON kind the lookups are tried with. */
type Doc = { _id: unknown; tag: string };
let docs: Collection<Doc>;
let isFerretDb = false;

const oid = new ObjectId();
const stored = [
  { _id: 'acc_1:lead:led_1:marketing:1', tag: 'string' },
  { _id: oid, tag: 'objectid' },
  { _id: 300, tag: 'int32' },
  { _id: Long.fromNumber(2 ** 40), tag: 'int64' },
  { _id: new Double(7), tag: 'double-integral' },
  { _id: new Double(2.5), tag: 'double' },
] as Doc[];

beforeAll(async () => {
  mongo = await connectMongo(testConfig().mongoUri);
  isFerretDb = 'ferretdbVersion' in (await mongo.db!.admin().command({ buildInfo: 1 }));
  docs = mongo.db!.collection<Doc>('ferretdb_lookups');
  // Filler, so that a scan and an index search differ in the plan and in what is read.
  await docs.insertMany([...stored, ...Array.from({ length: 500 }, (_, i) => ({ _id: `filler_${i}`, tag: 'filler' }))]);
});
afterAll(async () => {
  await mongo?.dropDatabase();
  await mongo?.close();
});

/** The plan FerretDB reports: whether the filter went to SQLite, and SQLite's own query plan. */
async function plan(filter: Record<string, unknown>) {
  const res = await mongo.db!.command({ explain: { find: 'ferretdb_lookups', filter } });
  return { pushdown: res.filterPushdown as boolean, sqlite: JSON.stringify(res.queryPlanner) };
}

const tags = async (filter: Record<string, unknown>) => (await docs.find(filter as Filter<Doc>).toArray()).map((d) => d.tag).sort();

describe('lookups by _id on the MongoDB-protocol server', () => {
  it.each([
    ['a string', stored[0]!._id, 'string'],
    ['an ObjectId', oid, 'objectid'],
    ['an int32', 300, 'int32'],
    ['an int64', Long.fromNumber(2 ** 40), 'int64'],
  ])('finds the document by %s ID, alone or with other conditions', async (_label, id, tag) => {
    expect(await tags({ _id: id })).toEqual([tag]);
    expect(await tags({ _id: id, tag })).toEqual([tag]);
    expect(await tags({ _id: id, tag: 'other' })).toEqual([]);
    expect(await tags({ _id: id, $or: [{ tag: 'other' }, { tag }] })).toEqual([tag]);
  });

  it('keeps numeric equality across types: an integer finds a double of the same value, and a double is still found', async () => {
    expect(await tags({ _id: 7 })).toEqual(['double-integral']);
    expect(await tags({ _id: Long.fromNumber(7) })).toEqual(['double-integral']);
    expect(await tags({ _id: 2.5 })).toEqual(['double']);
    expect(await tags({ _id: 301 })).toEqual([]);
  });

  it('answers from the _id index, not a scan, for string, ObjectId and integer IDs with or without other conditions', async (ctx) => {
    ctx.skip(!isFerretDb, 'the patches and this explain format are FerretDB’s; MongoDB plans with its own indexes');
    for (const filter of [{ _id: stored[0]!._id }, { _id: oid, tag: 'objectid' }, { _id: 300 }, { _id: 300, tag: 'int32' }, { _id: Long.fromNumber(2 ** 40), tag: 'x' }]) {
      const p = await plan(filter);
      expect(p.pushdown, JSON.stringify(filter)).toBe(true);
      expect(p.sqlite, JSON.stringify(filter)).toMatch(/SEARCH \S+ USING INDEX/);
    }
    // A double is left to the scan (its JSON text may not be the index's), and a filter without _id scans.
    expect((await plan({ _id: 2.5 })).sqlite).toMatch(/SCAN/);
    expect((await plan({ tag: 'int32' })).sqlite).toMatch(/SCAN/);
  });
});

describe('unacknowledged writes (w: 0)', () => {
  it('get no reply: each later command on the connection reads its own answer', async () => {
    // One connection, so the write and the reads share it: a stray reply to the write would be read by the next one.
    const client = await new MongoClient(testConfig().mongoUri, { maxPoolSize: 1 }).connect();
    try {
      const coll = client.db(mongo.name).collection<{ _id: string; n: number }>('ferretdb_unacknowledged');
      await coll.insertMany([...'abcd'].map((_id, n) => ({ _id, n })));
      await coll.deleteMany({ _id: 'a' }, { writeConcern: { w: 0 } });
      for (const [_id, n] of [['b', 1], ['c', 2], ['d', 3]] as const) expect(await coll.findOne({ _id })).toEqual({ _id, n });
      // The write itself was applied (the connection runs its commands in order).
      expect(await coll.countDocuments({ _id: 'a' })).toBe(0);
    } finally {
      await client.close();
    }
  });
});
