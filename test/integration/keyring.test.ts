/**
 * The MongoDB keyring on the real database: one key per owner however many ask at once, crypto-shredding that
 * leaves stored personal data and its blind indexes unusable (in this process at once), and master-key rotation
 * that rewraps data keys without touching the data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../lib/mongo.ts';
import { createKeyring, MongoKeyring } from '../../lib/crypto/mongo-keyring.ts';
import { generateMasterKey, loadMasterKeys, type MasterKeys } from '../../lib/crypto/master-key.ts';
import { KeyDestroyedError, MasterKeyError, UnknownKeyError } from '../../lib/crypto/errors.ts';
import { blindIndexFilter, findByBlindIndex } from '../../lib/crypto/encrypted-fields.ts';
import { SYSTEM_OWNER } from '../../lib/crypto/keyring.ts';
import { dataKeyModel, DATA_KEYS_COLLECTION } from '../../models/data-key.ts';
import { createModels, syncIndexes, type Models } from '../../models/index.ts';
import { loadConfig, type ResolvedConfig } from '../../config/index.ts';
import { testConfig } from '../fixtures/engine.ts';

let config: ResolvedConfig;
let mongo: Connection;
let keyring: MongoKeyring;
let models: Models;
let n = 0;
const owner = (label: string) => `acc_${label}_${process.pid}_${++n}`;

const masters = (current: string, previous?: string): MasterKeys =>
  loadMasterKeys(loadConfig({ LORO_MASTER_KEY: current, ...(previous ? { LORO_MASTER_KEY_PREVIOUS: previous } : {}) }));

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject');
}

beforeAll(async () => {
  config = testConfig();
  mongo = await connectMongo(config.mongoUri);
  keyring = await createKeyring(mongo, config);
  models = createModels(mongo, keyring);
  await syncIndexes(models);
});
afterAll(async () => {
  await mongo?.dropDatabase();
  await mongo?.close();
});

describe('dataKeyFor', () => {
  it('gives an owner one stable key, persisted wrapped (never in the clear)', async () => {
    const id = owner('stable');
    const first = await keyring.dataKeyFor(id);
    expect(first).toMatchObject({ keyId: expect.stringMatching(/^dk_[0-9a-f]{32}$/), ownerId: id });
    expect(first.key).toHaveLength(32);
    // A second keyring (another process) reads the same key from the database.
    const other = await createKeyring(mongo, config);
    expect((await other.dataKeyFor(id)).key.equals(first.key)).toBe(true);
    expect((await other.dataKeyById(first.keyId)).key.equals(first.key)).toBe(true);
    const raw = await mongo.db!.collection(DATA_KEYS_COLLECTION).findOne({ ownerId: id });
    expect(raw).toMatchObject({ _id: first.keyId, currentFor: id, masterKeyId: other.currentMasterKeyId });
    expect(JSON.stringify(raw)).not.toContain(first.key.toString('base64'));
    expect(JSON.stringify(raw)).not.toContain(first.key.toString('hex'));
  });

  it('makes ONE key for 20 parallel first uses in one process', async () => {
    const id = owner('parallel');
    const keys = await Promise.all(Array.from({ length: 20 }, () => keyring.dataKeyFor(id)));
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    expect(await mongo.db!.collection(DATA_KEYS_COLLECTION).countDocuments({ ownerId: id })).toBe(1);
  });

  it('makes ONE key for 20 parallel first uses from 20 processes (unique index, losers re-read)', async () => {
    const id = owner('race');
    const rings = await Promise.all(Array.from({ length: 20 }, () => createKeyring(mongo, config)));
    const keys = await Promise.all(rings.map((r) => r.dataKeyFor(id)));
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    expect(new Set(keys.map((k) => k.key.toString('hex'))).size).toBe(1);
    expect(await mongo.db!.collection(DATA_KEYS_COLLECTION).countDocuments({ ownerId: id })).toBe(1);
  });

  it('dataKeyById of a key that never existed → UnknownKeyError', async () => {
    expect(await rejection(keyring.dataKeyById(`dk_${'f'.repeat(32)}`))).toBeInstanceOf(UnknownKeyError);
    expect(await rejection(keyring.dataKeyById('not-a-key-id'))).toBeInstanceOf(UnknownKeyError);
  });
});

describe('destroy (crypto-shredding)', () => {
  async function newAccount(label: string) {
    const accountId = owner(label);
    const email = `${label}-${n}@shred.example`;
    await models.Account.create({ _id: accountId, name: 'Shred Co', owner: { name: `Owner ${label}`, email } });
    return { accountId, email };
  }

  it('→ dataKeyById throws KeyDestroyedError; the stored fields can no longer be read; blind index look-ups stop matching', async () => {
    const { accountId, email } = await newAccount('shred');
    expect((await models.Account.findById(accountId).lean())?.owner?.email).toBe(email);
    expect(await findByBlindIndex(models.Account, 'owner.email', email, { accountId })).toHaveLength(1);
    const { keyId } = await keyring.dataKeyFor(accountId);

    const { keyIds, destroyedAt } = await keyring.destroy(accountId);
    expect(keyIds).toEqual([keyId]);
    expect(destroyedAt).toBeInstanceOf(Date);

    // In this process at once (the cache does not outlive the destroy), and in a fresh one.
    for (const ring of [keyring, await createKeyring(mongo, config)]) {
      const err = await rejection(ring.dataKeyById(keyId));
      expect(err).toBeInstanceOf(KeyDestroyedError);
      expect(err).toMatchObject({ keyId, ownerId: accountId, destroyedAt });
    }
    // The record stays, without key material.
    const raw = await mongo.db!.collection(DATA_KEYS_COLLECTION).findOne({ _id: keyId as never });
    expect(raw).toMatchObject({ ownerId: accountId, destroyedAt, currentFor: `destroyed:${keyId}` });
    expect(raw).not.toHaveProperty('wrappedKey');

    // The account's personal fields: a typed error, hydrated or lean.
    expect(await rejection(models.Account.findById(accountId).lean())).toBeInstanceOf(KeyDestroyedError);
    expect(await rejection(models.Account.findById(accountId))).toBeInstanceOf(KeyDestroyedError);
    // What is not personal is still there when asked for without the personal fields.
    expect(await models.Account.findById(accountId).select('-owner').lean()).toMatchObject({ name: 'Shred Co', status: 'active' });

    // The blind index: nobody can compute it any more, and a look-up creates no new key.
    expect(await findByBlindIndex(models.Account, 'owner.email', email, { accountId })).toEqual([]);
    expect(await blindIndexFilter(models.Account, 'owner.email', email, { accountId })).toBeNull();
    expect(await mongo.db!.collection(DATA_KEYS_COLLECTION).countDocuments({ ownerId: accountId })).toBe(1);
  });

  it('is idempotent: a repeat destroys nothing more and reports the same shredding', async () => {
    const { accountId } = await newAccount('again');
    const first = await keyring.destroy(accountId);
    const second = await keyring.destroy(accountId);
    expect(second).toEqual(first);
  });

  it('destroyed keys never collide in the unique index: two owners, and one owner shredded twice', async () => {
    const a = await newAccount('twice');
    const b = await newAccount('other');
    await keyring.destroy(a.accountId);
    await keyring.destroy(b.accountId);
    // Whatever runs on for the owner after the shredding gets a fresh key; shredding again destroys that one too.
    const fresh = await keyring.dataKeyFor(a.accountId);
    const again = await keyring.destroy(a.accountId);
    expect(again.keyIds).toEqual([fresh.keyId]);
    const records = await mongo.db!.collection(DATA_KEYS_COLLECTION).find({ ownerId: { $in: [a.accountId, b.accountId] } }).toArray();
    expect(records).toHaveLength(3);
    expect(records.every((r) => r.destroyedAt && !r.wrappedKey)).toBe(true);
  });

  it('a destroy in another process is seen here once the short cache expires', async () => {
    const id = owner('ttl');
    const short = new MongoKeyring(dataKeyModel(mongo), loadMasterKeys(config), { cacheTtlMs: 200 });
    const { keyId } = await short.dataKeyFor(id);
    await (await createKeyring(mongo, config)).destroy(id);
    await new Promise((r) => setTimeout(r, 300));
    expect(await rejection(short.dataKeyById(keyId))).toBeInstanceOf(KeyDestroyedError);
  });
});

describe('master key rotation (rewrap)', () => {
  it('moves every live data key to the new master; data still decrypts and the old master is no longer needed', async () => {
    // A database of its own: the keys of this test file's other tests are under the shared development key.
    const db = mongo.useDb(`${mongo.name}_rotation`, { useCache: false });
    const [oldKey, newKey, strangerKey] = [generateMasterKey(), generateMasterKey(), generateMasterKey()];
    const before = new MongoKeyring(dataKeyModel(db), masters(oldKey));
    const beforeModels = createModels(db, before);
    await syncIndexes(beforeModels);
    await dataKeyModel(db).createIndexes();
    await beforeModels.Account.create({ _id: 'acc_rot_1', name: 'Rotate', owner: { name: 'Rita Rotate', email: 'rita@rotate.example' } });
    await beforeModels.Account.create({ _id: 'acc_rot_2', name: 'Shredded', owner: { name: 'Sam', email: 'sam@rotate.example' } });
    await before.destroy('acc_rot_2');
    const accountsBefore = await db.db!.collection('accounts').find().sort({ _id: 1 }).toArray();

    // A process with only the new master cannot start on this database, and cannot read the keys.
    const newOnly = await rejection(createKeyring(db, { env: 'test', dataDir: config.dataDir, masterKey: { key: newKey } }));
    expect(newOnly).toBeInstanceOf(MasterKeyError);
    expect(newOnly.message).toMatch(/LORO_MASTER_KEY_PREVIOUS/);
    expect(await rejection(new MongoKeyring(dataKeyModel(db), masters(newKey)).dataKeyFor('acc_rot_1'))).toBeInstanceOf(MasterKeyError);

    const rotating = new MongoKeyring(dataKeyModel(db), masters(newKey, oldKey));
    expect(await rotating.rewrap()).toEqual({ rewrapped: 1, alreadyCurrent: 0, destroyed: 1, unreadable: [] });
    expect(await rotating.rewrap()).toEqual({ rewrapped: 0, alreadyCurrent: 1, destroyed: 1, unreadable: [] });

    // The data was not touched.
    expect(await db.db!.collection('accounts').find().sort({ _id: 1 }).toArray()).toEqual(accountsBefore);
    // The new master alone reads it; the old one alone no longer does.
    const after = await createKeyring(db, { env: 'test', dataDir: config.dataDir, masterKey: { key: newKey } });
    expect((await createModels(db, after).Account.findById('acc_rot_1').lean())?.owner).toMatchObject({ name: 'Rita Rotate', email: 'rita@rotate.example' });
    expect(await rejection(new MongoKeyring(dataKeyModel(db), masters(oldKey)).dataKeyById((await after.dataKeyFor('acc_rot_1')).keyId))).toBeInstanceOf(MasterKeyError);

    // Keys under a master the rotation was not given are reported, not lost.
    const stranger = new MongoKeyring(dataKeyModel(db), masters(strangerKey));
    await stranger.dataKeyFor('acc_rot_3');
    const report = await new MongoKeyring(dataKeyModel(db), masters(newKey, oldKey)).rewrap();
    expect(report.unreadable).toEqual([{ keyId: expect.stringMatching(/^dk_/), masterKeyId: masters(strangerKey).current.id }]);
    await db.dropDatabase();
  });

  it('a data key record moved to another owner does not unwrap (its AAD binds key ID and owner)', async () => {
    const id = owner('moved');
    const { keyId } = await keyring.dataKeyFor(id);
    const other = owner('thief');
    await mongo.db!.collection(DATA_KEYS_COLLECTION).updateOne({ _id: keyId as never }, { $set: { ownerId: other } });
    expect(await rejection((await createKeyring(mongo, config)).dataKeyById(keyId))).toBeInstanceOf(MasterKeyError);
  });
});

describe('the system key', () => {
  it('serves what belongs to no account (users) and is one key like any other owner', async () => {
    const a = await keyring.dataKeyFor(SYSTEM_OWNER);
    const b = await (await createKeyring(mongo, config)).dataKeyFor(SYSTEM_OWNER);
    expect(a.keyId).toBe(b.keyId);
  });
});
