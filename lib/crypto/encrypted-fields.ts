/**
 * Personal fields in mongoose models: a schema plugin, so the code that uses a model keeps reading
 * `account.owner.email` while MongoDB only ever holds ciphertext.
 *
 *     schema.plugin(personalData, {
 *       personalFields: ['owner.name', 'owner.email'],
 *       blindIndexes: { 'owner.email': 'email' },     // stored at owner.emailBlindIndex
 *       accountIdFrom: { path: '_id' },               // or { path: 'accountId' }, or { fixed: SYSTEM_OWNER }
 *     });
 *     bindKeyring(model, keyring);                    // createModels does this for every model
 *
 * Writes: `save()` / `create()` and `insertMany()` encrypt the personal paths (lib/crypto/field-cipher.ts) and set
 * the blind indexes; the document handed back holds plaintext again. Reads: `find`, `findOne`/`findById` and the
 * `findOneAnd…` queries decrypt their results, hydrated or lean(). Look-ups by a personal value go through
 * `findByBlindIndex` / `blindIndexFilter`.
 *
 * What would silently bypass the encryption is refused with a PersonalDataQueryError instead: a query filter on
 * a personal path (it could never match a ciphertext), an update that writes one (`updateOne({$set: {email}})`
 * would store plaintext: load, change and save() instead; `$unset` is allowed and clears the blind index too),
 * update pipelines, and bulkWrite inserts/replacements. Aggregations and cursors are not decrypted: they see
 * ciphertext. Personal paths are declared as plain `String` (or `Mixed` for objects) without setters
 * (lowercase, trim …) — a setter would rewrite the ciphertext; normalise before saving. In insertMany the schema
 * validators of personal paths see the ciphertext, so format checks belong in the API's JSON Schemas (ajv).
 */
import mongoose, { type Model, type Schema } from 'mongoose';
import { SYSTEM_OWNER, type DataKey, type Keyring } from './keyring.ts';
import { decryptParsed, encryptWithKey, parseFieldCiphertext, type FieldContext, type ParsedFieldCiphertext } from './field-cipher.ts';
import { blindIndexWithKey, lookupBlindIndex, type BlindIndexKind } from './blind-index.ts';

export { SYSTEM_OWNER };

export interface PersonalDataOptions {
  /** Dotted paths whose values are personal data: stored as field ciphertext only. */
  personalFields: readonly string[];
  /** Personal paths to look up by equality, with their normalisation; the index is stored at `<path>BlindIndex`. */
  blindIndexes?: Readonly<Record<string, BlindIndexKind>>;
  /** Whose data key: the path holding the account ID (`_id` for accounts, `accountId` for account data), or a fixed owner. */
  accountIdFrom: { path: string } | { fixed: string };
}

/** A query or write that would bypass the encryption (see the module comment). */
export class PersonalDataQueryError extends Error {
  override name = 'PersonalDataQueryError';
  constructor(
    readonly model: string,
    readonly path: string,
    message: string,
  ) {
    super(`${model}: ${message}`);
  }
}

export const blindIndexPath = (path: string) => `${path}BlindIndex`;

const optionsOf = new WeakMap<Schema, PersonalDataOptions>();
const keyringOf = new WeakMap<object, Keyring>();
const PLAINTEXT = Symbol('personal-data-plaintext');

type AnyModel = Model<any>;
type Doc = mongoose.Document & { $locals: Record<string | symbol, unknown> };
type Plain = Record<string, unknown>;

/** Whether a model's schema declares personal data (the plugin below). */
export const hasPersonalData = (model: AnyModel) => optionsOf.has(model.schema);

/** Gives a compiled model the keyring its hooks encrypt with (one per process; see lib/crypto/mongo-keyring.ts). */
export function bindKeyring(model: AnyModel, keyring: Keyring): void {
  if (!optionsOf.has(model.schema)) throw new TypeError(`${model.modelName} has no personal data plugin`);
  keyringOf.set(model, keyring);
}

function setup(model: AnyModel) {
  const options = optionsOf.get(model.schema);
  const keyring = keyringOf.get(model);
  if (!options) throw new TypeError(`${model.modelName} has no personal data plugin`);
  if (!keyring) throw new TypeError(`${model.modelName} has personal data but no keyring: build models with createModels(conn, keyring)`);
  return { options, keyring, collection: model.collection.collectionName, name: model.modelName };
}

// ---- paths in plain objects (lean results, insertMany input) ----

function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Plain)[part];
  }
  return cur;
}

function setPath(obj: Plain, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    if (cur[part] === null || typeof cur[part] !== 'object') cur[part] = {};
    cur = cur[part] as Plain;
  }
  cur[parts.at(-1)!] = value;
}

/** Copies the objects along `path` before writing: the caller's input objects are never changed. */
function setPathCopy(obj: Plain, path: string, value: unknown): Plain {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  if (!rest.length) return { ...obj, [head]: value };
  const child = obj[head] !== null && typeof obj[head] === 'object' ? (obj[head] as Plain) : {};
  return { ...obj, [head]: setPathCopy(child, rest.join('.'), value) };
}

function accountIdOf(options: PersonalDataOptions, read: (path: string) => unknown, name: string): string {
  if ('fixed' in options.accountIdFrom) return options.accountIdFrom.fixed;
  const id = read(options.accountIdFrom.path);
  if (id === undefined || id === null || id === '') {
    throw new PersonalDataQueryError(name, options.accountIdFrom.path, `personal data needs ${options.accountIdFrom.path} (the account whose key encrypts it); select or set it`);
  }
  return String(id);
}

// ---- refusing what would bypass the encryption ----

/** Whether `key` (a filter or update path) names a personal path, a part of one, or an object holding one. */
function touches(options: PersonalDataOptions, key: string): string | undefined {
  return options.personalFields.find((p) => key === p || p.startsWith(`${key}.`) || key.startsWith(`${p}.`));
}

function checkFilter(name: string, options: PersonalDataOptions, filter: unknown): void {
  if (!filter || typeof filter !== 'object') return;
  for (const [key, value] of Object.entries(filter as Plain)) {
    if (key === '$and' || key === '$or' || key === '$nor') {
      for (const clause of (value as unknown[]) ?? []) checkFilter(name, options, clause);
      continue;
    }
    const path = touches(options, key);
    if (path) throw new PersonalDataQueryError(name, path, `${path} is stored encrypted and cannot be queried; use findByBlindIndex (or blindIndexFilter) for a look-up`);
  }
}

const WRITING_OPERATORS = ['$set', '$setOnInsert', '$push', '$addToSet', '$inc', '$min', '$max', '$mul', '$rename', '$currentDate', '$pull', '$pullAll', '$pop', '$bit'];

/**
 * Throws for updates that write personal paths. Returns the blind index paths to clear along with the personal
 * paths an `$unset` removes (those not already removed with a parent object the `$unset` names).
 */
function checkUpdate(name: string, options: PersonalDataOptions, update: unknown): string[] {
  if (!update || typeof update !== 'object') return [];
  if (Array.isArray(update)) throw new PersonalDataQueryError(name, '', 'update pipelines are not allowed on a model with personal data');
  const refuse = (path: string) => {
    throw new PersonalDataQueryError(name, path, `${path} is personal data and must be written through save()/create() (load, change, save), which encrypts it`);
  };
  const unset: string[] = [];
  const unsetFields: string[] = [];
  for (const [key, value] of Object.entries(update as Plain)) {
    if (!key.startsWith('$')) {
      const path = touches(options, key); // a replacement document or an implicit $set
      if (path) refuse(path);
      continue;
    }
    if (key === '$unset') {
      for (const field of Object.keys((value as Plain) ?? {})) {
        unsetFields.push(field);
        if (touches(options, field)) unset.push(...options.personalFields.filter((p) => p === field || p.startsWith(`${field}.`)));
      }
      continue;
    }
    if (!WRITING_OPERATORS.includes(key)) continue;
    for (const field of Object.keys((value as Plain) ?? {})) {
      const path = touches(options, field);
      if (path) refuse(path);
      if (key === '$rename') {
        const target = touches(options, String((value as Plain)[field]));
        if (target) refuse(target);
      }
    }
  }
  const covered = (path: string) => unsetFields.some((f) => path === f || path.startsWith(`${f}.`));
  return [...new Set(unset)].filter((p) => options.blindIndexes?.[p]).map(blindIndexPath).filter((p) => !covered(p));
}

// ---- encrypting and decrypting many documents at once ----

/** Fetches each distinct key once, so a batch of 1,000 documents costs one keyring call per account. */
async function keysFor(ids: Iterable<string>, load: (id: string) => Promise<DataKey>): Promise<Map<string, DataKey>> {
  const unique = [...new Set(ids)];
  const keys = await Promise.all(unique.map(load));
  return new Map(unique.map((id, i) => [id, keys[i]!]));
}

interface Accessor {
  /** Part of what each ciphertext is bound to; undefined when a projection left it out. */
  documentId: string | undefined;
  accountId: string;
  get(path: string): unknown;
  set(path: string, value: unknown): void;
}

function accessor(model: AnyModel, options: PersonalDataOptions, doc: unknown): Accessor | undefined {
  if (doc === null || typeof doc !== 'object') return undefined;
  const { name } = setup(model);
  if (doc instanceof mongoose.Document) {
    const d = doc as Doc;
    const read = (p: string) => d.get(p) as unknown;
    return {
      get documentId() {
        return d._id === undefined || d._id === null ? undefined : String(d._id);
      },
      get accountId() {
        return accountIdOf(options, read, name);
      },
      get: read,
      set(path, value) {
        d.set(path, value);
        // Decrypting is not a change: a later save() must not rewrite (or re-encrypt) an untouched field.
        d.unmarkModified(path);
      },
    };
  }
  const obj = doc as Plain;
  return {
    get documentId() {
      return obj._id === undefined || obj._id === null ? undefined : String(obj._id);
    },
    get accountId() {
      return accountIdOf(options, (p) => getPath(obj, p), name);
    },
    get: (p) => getPath(obj, p),
    set: (p, v) => setPath(obj, p, v),
  };
}

/** Decrypts the personal paths of query results in place (documents or lean objects). */
export async function decryptDocuments(model: AnyModel, docs: readonly unknown[]): Promise<void> {
  const { options, keyring, collection, name } = setup(model);
  const work: { doc: Accessor; path: string; parsed: ParsedFieldCiphertext; context: FieldContext }[] = [];
  for (const raw of docs) {
    const doc = accessor(model, options, raw);
    if (!doc) continue;
    for (const path of options.personalFields) {
      const stored = doc.get(path);
      if (stored === undefined || stored === null) continue;
      const accountId = doc.accountId;
      const documentId = doc.documentId;
      if (documentId === undefined) throw new PersonalDataQueryError(name, '_id', 'decrypting personal data needs _id (part of what the ciphertext is bound to); do not deselect it');
      const context = { accountId, collection, field: path, documentId };
      work.push({ doc, path, context, parsed: parseFieldCiphertext(stored, context) });
    }
  }
  if (!work.length) return;
  const keys = await keysFor(
    work.map((w) => w.parsed.keyId),
    (id) => keyring.dataKeyById(id),
  );
  for (const w of work) w.doc.set(w.path, decryptParsed(keys.get(w.parsed.keyId)!, w.parsed, w.context));
}

/**
 * Encrypted copies of plain documents, as the hooks would store them: personal paths as ciphertext, blind
 * indexes set (for writes that bypass mongoose, and the benchmark). The input objects are not changed.
 */
export async function encryptDocuments(model: AnyModel, docs: readonly unknown[]): Promise<unknown[]> {
  const { options, keyring, collection, name } = setup(model);
  const generatesIds = model.schema.path('_id')?.instance === 'ObjectId';
  const prepared = docs.map((raw) => {
    if (raw === null || typeof raw !== 'object') return undefined;
    // Documents are turned into plain objects: mongoose hydrates and validates whatever is in the array.
    let obj = raw instanceof mongoose.Document ? (raw.toObject({ depopulate: true }) as Plain) : (raw as Plain);
    if (obj._id === undefined || obj._id === null) {
      if (!generatesIds) throw new PersonalDataQueryError(name, '_id', 'insertMany of personal data needs each document’s _id (the ciphertext is bound to it)');
      obj = { ...obj, _id: new mongoose.Types.ObjectId() };
    }
    return { obj, access: accessor(model, options, obj)! };
  });
  const keys = await keysFor(
    prepared.flatMap((p) => (p ? [p.access.accountId] : [])),
    (id) => keyring.dataKeyFor(id),
  );
  return prepared.map((p, i) => {
    if (!p) return docs[i];
    const { writes } = encryptPaths(keys.get(p.access.accountId)!, options, collection, p.access, options.personalFields);
    return writes.reduce((o, [path, value]) => setPathCopy(o, path, value), p.obj);
  });
}

/** The ciphertext and blind indexes for `paths` of one document, under its account's key. */
function encryptPaths(key: DataKey, options: PersonalDataOptions, collection: string, doc: Accessor, paths: readonly string[]) {
  const documentId = doc.documentId;
  if (documentId === undefined) throw new TypeError(`${collection}: a document with personal data needs its _id before it is saved`);
  const writes: [string, unknown][] = [];
  const plaintext: [string, unknown][] = [];
  for (const path of paths) {
    const value = doc.get(path);
    const kind = options.blindIndexes?.[path];
    if (value === undefined || value === null) {
      if (kind) writes.push([blindIndexPath(path), undefined]);
      continue;
    }
    plaintext.push([path, value]);
    if (kind) writes.push([blindIndexPath(path), blindIndexWithKey(key, kind, String(value))]);
    writes.push([path, encryptWithKey(key, value, { accountId: doc.accountId, collection, field: path, documentId })]);
  }
  return { writes, plaintext };
}

// ---- the plugin ----

const QUERY_OPS = ['countDocuments', 'distinct', 'find', 'findOne', 'findOneAndReplace', 'findOneAndUpdate', 'replaceOne', 'updateMany', 'updateOne', 'deleteMany', 'deleteOne', 'findOneAndDelete'] as const;
const UPDATE_OPS = new Set(['findOneAndReplace', 'findOneAndUpdate', 'replaceOne', 'updateMany', 'updateOne']);
const READ_OPS = ['find', 'findOne', 'findOneAndUpdate', 'findOneAndReplace', 'findOneAndDelete'] as const;

export function personalData(schema: Schema, options: PersonalDataOptions): void {
  for (const path of options.personalFields) {
    const type = schema.path(path);
    if (!type) throw new TypeError(`personal path ${path} is not in the schema`);
    if (type.instance !== 'String' && type.instance !== 'Mixed') throw new TypeError(`personal path ${path} must be declared String or Mixed (it stores ciphertext), not ${type.instance}`);
    const setters = (type as unknown as { setters?: unknown[] }).setters ?? [];
    const opts = type.options as { lowercase?: boolean; uppercase?: boolean; trim?: boolean };
    if (setters.length || opts.lowercase || opts.uppercase || opts.trim) throw new TypeError(`personal path ${path} must have no setters (lowercase, trim …): they would rewrite the ciphertext; normalise before saving`);
  }
  for (const path of Object.keys(options.blindIndexes ?? {})) {
    if (!options.personalFields.includes(path)) throw new TypeError(`blind index on ${path}, which is not a personal field`);
    if (!schema.path(blindIndexPath(path))) schema.add({ [blindIndexPath(path)]: { type: String } });
  }
  optionsOf.set(schema, options);

  schema.pre('save', async function () {
    const doc = this as unknown as Doc;
    const model = doc.constructor as AnyModel;
    const { keyring, collection } = setup(model);
    // A document moved to another account must be encrypted anew under that account's key.
    const moved = 'path' in options.accountIdFrom && doc.isModified(options.accountIdFrom.path);
    const paths = options.personalFields.filter((p) => doc.isNew || moved || doc.isModified(p));
    if (!paths.length) return;
    const access = accessor(model, options, doc)!;
    const { writes, plaintext } = encryptPaths(await keyring.dataKeyFor(access.accountId), options, collection, access, paths);
    for (const [path, value] of writes) doc.set(path, value);
    doc.$locals[PLAINTEXT] = plaintext;
  });
  const restore = (doc: Doc, saved: boolean) => {
    const plaintext = doc.$locals[PLAINTEXT] as [string, unknown][] | undefined;
    if (!plaintext) return;
    delete doc.$locals[PLAINTEXT];
    for (const [path, value] of plaintext) {
      doc.set(path, value);
      // After a failed save the path stays modified, so a retried save encrypts it again.
      if (saved) doc.unmarkModified(path);
    }
  };
  schema.post('save', function (doc: Doc) {
    restore(doc, true);
  });
  schema.post('save', function (error: Error, doc: Doc, next: (err?: Error) => void) {
    restore(doc, false);
    next(error);
  });

  // insertMany: the documents are hydrated here rather than by mongoose (which would do it next anyway), so the
  // plaintext can be kept aside and put back afterwards instead of being decrypted again.
  async function encryptForInsert(this: unknown, docs: unknown[]) {
    if (!Array.isArray(docs)) return;
    const model = this as unknown as AnyModel;
    const { keyring, collection } = setup(model);
    // A new array for mongoose: the caller's array (and the objects in it) stay as they were.
    const replaced: unknown[] = [...docs];
    const prepared: { index: number; doc: Doc; access: Accessor }[] = [];
    docs.forEach((raw, index) => {
      if (raw === null || typeof raw !== 'object') return; // mongoose reports it
      const doc = (raw instanceof model ? raw : new model(raw)) as Doc;
      prepared.push({ index, doc, access: accessor(model, options, doc)! });
    });
    const keys = await keysFor(
      prepared.map((p) => p.access.accountId),
      (id) => keyring.dataKeyFor(id),
    );
    for (const { index, doc, access } of prepared) {
      const { writes, plaintext } = encryptPaths(keys.get(access.accountId)!, options, collection, access, options.personalFields);
      for (const [path, value] of writes) doc.set(path, value);
      doc.$locals[PLAINTEXT] = plaintext;
      replaced[index] = doc;
    }
    return mongoose.overwriteMiddlewareArguments(replaced);
  }
  // mongoose's types do not know that a pre hook may hand back new arguments (its docs and runtime do).
  schema.pre('insertMany', encryptForInsert as unknown as (this: unknown, docs: unknown[]) => Promise<void>);
  schema.post('insertMany', function (docs: unknown) {
    if (Array.isArray(docs)) for (const doc of docs) if (doc instanceof mongoose.Document) restore(doc as Doc, true);
  });
  schema.post('insertMany', function (error: Error, docs: unknown, next: (err?: Error) => void) {
    if (Array.isArray(docs)) for (const doc of docs) if (doc instanceof mongoose.Document) restore(doc as Doc, false);
    next(error);
  });

  schema.pre('bulkWrite', function (ops: unknown[]) {
    const { name } = setup(this as unknown as AnyModel);
    for (const op of ops ?? []) {
      const [kind, spec] = Object.entries(op as Plain)[0] ?? [];
      const s = (spec ?? {}) as { filter?: unknown; update?: unknown };
      if (kind === 'insertOne' || kind === 'replaceOne') throw new PersonalDataQueryError(name, '', `bulkWrite ${kind} would store personal data unencrypted; use insertMany or save()`);
      checkFilter(name, options, s.filter);
      if (kind === 'updateOne' || kind === 'updateMany') {
        if (checkUpdate(name, options, s.update).length) throw new PersonalDataQueryError(name, '', 'bulkWrite cannot clear a blind index along with its field; use updateOne');
      }
    }
  });

  for (const op of QUERY_OPS) {
    schema.pre(op, function () {
      const query = this as unknown as mongoose.Query<unknown, unknown>;
      const { name } = setup(query.model);
      checkFilter(name, options, query.getFilter());
      const distinct = op === 'distinct' ? (query as unknown as { _distinct?: string })._distinct : undefined;
      if (distinct && touches(options, distinct)) throw new PersonalDataQueryError(name, distinct, `distinct values of ${distinct} would be ciphertexts`);
      if (!UPDATE_OPS.has(op)) return;
      const update = query.getUpdate();
      const indexes = checkUpdate(name, options, update);
      if (indexes.length && update && !Array.isArray(update)) {
        const u = update as Plain;
        query.setUpdate({ ...u, $unset: { ...(u.$unset as Plain), ...Object.fromEntries(indexes.map((p) => [p, 1])) } });
      }
    });
  }
  for (const op of READ_OPS) {
    schema.post(op, async function (result: unknown) {
      const query = this as unknown as mongoose.Query<unknown, unknown>;
      if (result === null || typeof result !== 'object') return;
      // findOneAnd…({ includeResultMetadata: true }) wraps the document in { value }.
      const docs = Array.isArray(result) ? result : 'value' in result && 'ok' in result ? [(result as { value: unknown }).value] : [result];
      await decryptDocuments(query.model, docs);
    });
  }
}

/**
 * The filter that finds documents whose `path` equals `value`, through its blind index; null when nothing can
 * match (the owner has no data key: nothing stored yet, or crypto-shredded — its indexes can no longer be
 * computed by anyone, which is the point). Models keyed per account need `accountId` (indexes differ between
 * accounts by design); fixed-owner models (users) do not.
 */
export async function blindIndexFilter(model: AnyModel, path: string, value: string, opts: { accountId?: string } = {}): Promise<Record<string, string> | null> {
  const { options, keyring, name } = setup(model);
  const kind = options.blindIndexes?.[path];
  if (!kind) throw new TypeError(`${name}.${path} has no blind index`);
  const fixed = 'fixed' in options.accountIdFrom ? options.accountIdFrom.fixed : undefined;
  const owner = fixed ?? opts.accountId;
  if (!owner) throw new TypeError(`${name} look-ups by ${path} are per account: pass accountId`);
  const index = await lookupBlindIndex(keyring, owner, kind, value);
  if (index === null) return null;
  return 'path' in options.accountIdFrom ? { [options.accountIdFrom.path]: owner, [blindIndexPath(path)]: index } : { [blindIndexPath(path)]: index };
}

/** Documents (lean, decrypted) whose personal `path` equals `value`; none once the account's key is destroyed. */
export async function findByBlindIndex<M extends AnyModel>(model: M, path: string, value: string, opts: { accountId?: string } = {}) {
  const filter = await blindIndexFilter(model, path, value, opts);
  return filter ? model.find(filter).lean() : [];
}
