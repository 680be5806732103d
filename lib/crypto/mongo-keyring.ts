/**
 * The Keyring on MongoDB: data keys live wrapped in `data_keys` (models/data-key.ts), unwrapped keys only in
 * this process's memory for a short while. Works on FerretDB v1 as on MongoDB: no transactions, no partial or
 * TTL indexes — a unique index on `currentFor` settles concurrent first uses, and cache expiry is checked in code.
 */
import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import type { Config } from '../../config/index.ts';
import { dataKeyModel, type DataKeyModel } from '../../models/data-key.ts';
import { KeyDestroyedError, MasterKeyError, UnknownKeyError } from './errors.ts';
import type { DataKey, Keyring } from './keyring.ts';
import { loadMasterKeys, unwrapDataKey, wrapDataKey, type MasterKey, type MasterKeys } from './master-key.ts';
import { KEY_BYTES } from './aes-gcm.ts';
import { isDuplicateKeyError } from '../mongo.ts';

export const KEY_ID_PATTERN = /^dk_[0-9a-f]{32}$/;
export const newKeyId = () => `dk_${randomBytes(16).toString('hex')}`;

/** Binds a wrapped key to its record: a wrapped key copied onto another record or owner does not unwrap. */
const wrapAad = (keyId: string, ownerId: string) => `${keyId}|${ownerId}`;

/** The stored record as the driver returns it (BSON binary comes back as Binary, not Buffer, from lean reads). */
interface KeyRecord {
  _id: string;
  ownerId: string;
  currentFor: string;
  wrappedKey?: Buffer | mongoose.mongo.Binary | null;
  masterKeyId?: string | null;
  createdAt: Date;
  destroyedAt?: Date | null;
}

export interface MongoKeyringOptions {
  /**
   * How long an unwrapped key stays in memory. A destroy in this process drops it at once; a destroy in another
   * process (API vs worker) is seen here after at most this long. Default 60 s.
   */
  cacheTtlMs?: number;
}

export interface RewrapReport {
  /** Live keys moved from an older master to the current one. */
  rewrapped: number;
  /** Live keys already under the current master. */
  alreadyCurrent: number;
  /** Destroyed keys (nothing to rewrap). */
  destroyed: number;
  /** Live keys under a master this process does not have: they stay as they are and need that master. */
  unreadable: { keyId: string; masterKeyId: string | null }[];
}

function toBuffer(value: KeyRecord['wrappedKey']): Buffer | null {
  if (!value) return null;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof mongoose.mongo.Binary) return Buffer.from(value.buffer);
  return null;
}

export class MongoKeyring implements Keyring {
  private readonly byId = new Map<string, { key: DataKey; expiresAt: number }>();
  private readonly currentOf = new Map<string, { keyId: string; expiresAt: number }>();
  /** Loads in flight, so parallel first uses in one process make one round trip (and one key). */
  private readonly loading = new Map<string, Promise<DataKey>>();
  /** Bumped by destroy: a load that started before a destroy must not put its key in the cache after it. */
  private generation = 0;
  private readonly ttlMs: number;

  constructor(
    private readonly model: DataKeyModel,
    private readonly masters: MasterKeys,
    options: MongoKeyringOptions = {},
  ) {
    this.ttlMs = options.cacheTtlMs ?? 60_000;
  }

  /** The ID of the master key new data keys are wrapped under. */
  get currentMasterKeyId(): string {
    return this.masters.current.id;
  }

  async dataKeyFor(ownerId: string): Promise<DataKey> {
    if (!ownerId) throw new TypeError('dataKeyFor needs an owner ID');
    const current = this.currentOf.get(ownerId);
    const cached = current && current.expiresAt > Date.now() ? this.cached(current.keyId) : undefined;
    if (cached) return cached;
    return this.once(`owner:${ownerId}`, true, () => this.loadCurrent(ownerId));
  }

  async currentDataKeyOf(ownerId: string): Promise<DataKey | null> {
    const current = this.currentOf.get(ownerId);
    const cached = current && current.expiresAt > Date.now() ? this.cached(current.keyId) : undefined;
    if (cached) return cached;
    const generation = this.generation;
    const record = await this.model.findOne({ currentFor: ownerId }).lean<KeyRecord>();
    if (!record) return null;
    const key = this.open(record);
    if (generation === this.generation) this.remember(key, true);
    return key;
  }

  async dataKeyById(keyId: string): Promise<DataKey> {
    const cached = this.cached(keyId);
    if (cached) return cached;
    if (!KEY_ID_PATTERN.test(keyId)) throw new UnknownKeyError(keyId);
    return this.once(`id:${keyId}`, false, async () => {
      const record = await this.model.findById(keyId).lean<KeyRecord>();
      if (!record) throw new UnknownKeyError(keyId);
      return this.open(record);
    });
  }

  /**
   * Crypto-shredding. Each live key of the owner loses its key material and its slot (`currentFor` becomes
   * `destroyed:<keyId>`, unique per key), and keeps its record so a ciphertext naming it reads as destroyed. The
   * owner's next dataKeyFor makes a fresh key — what runs on for the owner after the shredding (the rest of a
   * cancellation workflow, say) can still encrypt, and nothing written before is readable. Repeating a destroy
   * destroys nothing more and reports the last shredding again, so a retried activity gets the same answer.
   */
  async destroy(ownerId: string): Promise<{ keyIds: string[]; destroyedAt: Date }> {
    if (!ownerId) throw new TypeError('destroy needs an owner ID');
    const now = new Date();
    this.forget(ownerId);
    const live = await this.model.find({ ownerId, destroyedAt: { $exists: false } }, { _id: 1 }).lean<{ _id: string }[]>();
    const destroyed: string[] = [];
    for (const { _id } of live) {
      const { matchedCount } = await this.model.updateOne(
        { _id, destroyedAt: { $exists: false } },
        { $set: { destroyedAt: now, currentFor: `destroyed:${_id}` }, $unset: { wrappedKey: 1 } },
      );
      if (matchedCount) destroyed.push(_id);
    }
    // Again after the writes: a load that raced the destroy must not have left the key in this process's cache.
    this.forget(ownerId);
    if (destroyed.length) return { keyIds: destroyed.sort(), destroyedAt: now };
    const [last] = await this.model.find({ ownerId, destroyedAt: { $exists: true } }).sort({ destroyedAt: -1 }).limit(1).lean<KeyRecord[]>();
    if (!last?.destroyedAt) return { keyIds: [], destroyedAt: now };
    const same = await this.model.find({ ownerId, destroyedAt: last.destroyedAt }, { _id: 1 }).lean<{ _id: string }[]>();
    return { keyIds: same.map((r) => r._id).sort(), destroyedAt: last.destroyedAt };
  }

  /**
   * Master-key rotation: rewraps every live data key under the current master (reading older ones with
   * LORO_MASTER_KEY_PREVIOUS). Touches only `data_keys`; the data stays as it is. Safe to run twice or alongside
   * running processes: each record is updated only if it is still live and still under the master it was read with.
   */
  async rewrap(): Promise<RewrapReport> {
    const report: RewrapReport = { rewrapped: 0, alreadyCurrent: 0, destroyed: 0, unreadable: [] };
    const current = this.masters.current;
    for await (const record of this.model.find({}).sort({ _id: 1 }).lean<KeyRecord[]>().cursor()) {
      const r = record as unknown as KeyRecord;
      if (r.destroyedAt) {
        report.destroyed++;
        continue;
      }
      if (r.masterKeyId === current.id) {
        report.alreadyCurrent++;
        continue;
      }
      let key: Buffer;
      try {
        key = this.open(r).key;
      } catch (err) {
        if (!(err instanceof MasterKeyError)) throw err;
        report.unreadable.push({ keyId: r._id, masterKeyId: r.masterKeyId ?? null });
        continue;
      }
      const wrappedKey = wrapDataKey(current, key, wrapAad(r._id, r.ownerId));
      const { matchedCount } = await this.model.updateOne(
        { _id: r._id, masterKeyId: r.masterKeyId, destroyedAt: { $exists: false } },
        { $set: { wrappedKey, masterKeyId: current.id } },
      );
      if (matchedCount) {
        report.rewrapped++;
        continue;
      }
      // Changed under us: destroyed meanwhile, or rewrapped by a concurrent run.
      const now = await this.model.findById(r._id).lean<KeyRecord>();
      if (!now || now.destroyedAt) report.destroyed++;
      else report.alreadyCurrent++;
    }
    return report;
  }

  /** Live data keys wrapped under a master this process does not have (a wrong or missing master key). */
  async strandedKeys(): Promise<{ count: number; masterKeyIds: string[] }> {
    const known = [this.masters.current.id, ...(this.masters.previous ? [this.masters.previous.id] : [])];
    const filter = { destroyedAt: { $exists: false }, masterKeyId: { $nin: known } };
    const [count, masterKeyIds] = await Promise.all([this.model.countDocuments(filter), this.model.distinct('masterKeyId', filter)]);
    return { count, masterKeyIds: (masterKeyIds as string[]).sort() };
  }

  private cached(keyId: string): DataKey | undefined {
    const entry = this.byId.get(keyId);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return entry.key;
    this.byId.delete(keyId);
    return undefined;
  }

  private once(name: string, current: boolean, load: () => Promise<DataKey>): Promise<DataKey> {
    const pending = this.loading.get(name);
    if (pending) return pending;
    const generation = this.generation;
    const promise = load()
      .then((key) => {
        if (generation === this.generation) this.remember(key, current);
        return key;
      })
      .finally(() => {
        if (this.loading.get(name) === promise) this.loading.delete(name);
      });
    this.loading.set(name, promise);
    return promise;
  }

  private remember(key: DataKey, current: boolean) {
    const expiresAt = Date.now() + this.ttlMs;
    this.byId.set(key.keyId, { key, expiresAt });
    if (current) this.currentOf.set(key.ownerId, { keyId: key.keyId, expiresAt });
  }

  /** Drops everything cached about an owner (and every load in flight) so nothing survives its destroy here. */
  private forget(ownerId: string) {
    this.generation++;
    this.loading.clear();
    this.currentOf.delete(ownerId);
    for (const [keyId, entry] of this.byId) if (entry.key.ownerId === ownerId) this.byId.delete(keyId);
  }

  private async loadCurrent(ownerId: string): Promise<DataKey> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing = await this.model.findOne({ currentFor: ownerId }).lean<KeyRecord>();
      if (existing) return this.open(existing);
      const keyId = newKeyId();
      const key = randomBytes(KEY_BYTES);
      try {
        await this.model.create({
          _id: keyId,
          ownerId,
          currentFor: ownerId,
          wrappedKey: wrapDataKey(this.masters.current, key, wrapAad(keyId, ownerId)),
          masterKeyId: this.masters.current.id,
          createdAt: new Date(),
        });
        return { keyId, ownerId, key };
      } catch (err) {
        // Another process (or replica) made the owner's first key at the same moment: use theirs.
        if (!isDuplicateKeyError(err)) throw err;
      }
    }
    throw new Error(`the data key of ${ownerId} could neither be created nor read`);
  }

  private masterFor(masterKeyId: string | null | undefined): MasterKey | undefined {
    const { current, previous } = this.masters;
    if (masterKeyId === current.id) return current;
    if (previous && masterKeyId === previous.id) return previous;
    return undefined;
  }

  private open(record: KeyRecord): DataKey {
    if (record.destroyedAt) throw new KeyDestroyedError(record._id, record.ownerId, record.destroyedAt);
    const wrapped = toBuffer(record.wrappedKey);
    const master = this.masterFor(record.masterKeyId);
    const detail = { keyId: record._id, masterKeyId: record.masterKeyId ?? undefined };
    if (!master) {
      const known = `LORO_MASTER_KEY is ${this.masters.current.id}${this.masters.previous ? `, LORO_MASTER_KEY_PREVIOUS ${this.masters.previous.id}` : ''}`;
      throw new MasterKeyError(`data key ${record._id} is wrapped under master key ${record.masterKeyId ?? '(none)'}, which this process does not have (${known})`, detail);
    }
    const key = wrapped && unwrapDataKey(master, wrapped, wrapAad(record._id, record.ownerId));
    if (!key) throw new MasterKeyError(`data key ${record._id} does not unwrap under master key ${master.id}: its record was altered`, detail);
    return { keyId: record._id, ownerId: record.ownerId, key };
  }
}

/**
 * The keyring of a process (API, worker, CLI, tests): one per process and connection, so a destroy drops the
 * cached key everywhere in that process. Fails at start when live data keys are wrapped under a master key this
 * process was not given — a wrong or lost LORO_MASTER_KEY shows up here, not at the first read of a customer's data.
 */
export async function createKeyring(conn: Connection, config: Pick<Config, 'env' | 'dataDir' | 'masterKey'>, options: MongoKeyringOptions = {}): Promise<MongoKeyring> {
  const model = dataKeyModel(conn);
  const keyring = new MongoKeyring(model, loadMasterKeys(config), options);
  await model.createIndexes();
  const stranded = await keyring.strandedKeys();
  if (stranded.count > 0) {
    throw new MasterKeyError(
      `${stranded.count} data key(s) in ${conn.name} are wrapped under master key ${stranded.masterKeyIds.join(', ')}, not this process's (${keyring.currentMasterKeyId}): ` +
        'start with the master key they were made under, or give it as LORO_MASTER_KEY_PREVIOUS and run `npm run rotate-master-key`',
      { masterKeyId: stranded.masterKeyIds[0] },
    );
  }
  return keyring;
}
