/**
 * The portable archive of one account: a ZIP (yazl, streamed) holding, per collection of the account's data that
 * is exported (models/account-data.ts, treatment personal or financial, the account itself included), a JSON Lines
 * and a CSV file, then manifest.json (format version, record counts, SHA-256 and size per file). Personal fields
 * are decrypted for the owner; blind indexes (internal HMACs) are left out. Documents come from driver cursors in
 * batches and go straight into the ZIP stream with backpressure: memory stays flat whatever the account's size.
 *
 * Each collection is read once. ZIP entries are sequential, so while its JSON Lines stream into the ZIP, its CSV
 * goes to a spool file in the temp folder, encrypted (segmented-aead.ts) under a key that exists only in this
 * process's memory, and follows as the next entry; the file is unlinked as soon as it is opened for reading. A
 * worker that dies mid-way leaves at most a spool nobody can read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import yazl from 'yazl';
import type { Model } from 'mongoose';
import type { Models } from '../../models/index.ts';
import { ACCOUNT_DATA, type AccountDataStore } from '../../models/account-data.ts';
import { decryptDocuments, hasPersonalData } from '../crypto/encrypted-fields.ts';
import { createDecryptStream, createEncryptStream } from './segmented-aead.ts';

export const EXPORT_FORMAT_VERSION = 1;
const BATCH = 1_000;

export interface ArchiveFileEntry {
  path: string;
  collection: string;
  format: 'jsonl' | 'csv';
  records: number;
  bytes: number;
  sha256: string;
}

export interface ArchiveManifest {
  format: 'loro-account-export';
  formatVersion: number;
  exportId: string;
  accountId: string;
  reason: string;
  createdAt: string;
  collections: { name: string; treatment: string; records: number; files: string[] }[];
  files: ArchiveFileEntry[];
}

export interface ArchiveMeta {
  exportId: string;
  accountId: string;
  reason: string;
  createdAt: Date;
}

/** The stores an export walks, in archive order (the account first). */
export const exportedStores = (): AccountDataStore[] => {
  const stores = ACCOUNT_DATA.filter((s) => s.treatment === 'personal' || s.treatment === 'financial');
  return [...stores.filter((s) => s.model === 'Account'), ...stores.filter((s) => s.model !== 'Account')];
};

type AnyModel = Model<any>;
type Plain = Record<string, unknown>;

const filterFor = (store: AccountDataStore, accountId: string) => ({ [store.accountPath]: accountId });

/** Counts the records an export of the account will hold (its progress total). */
export async function countAccountRecords(models: Models, accountId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const store of exportedStores()) {
    const model = models[store.model] as unknown as AnyModel;
    counts[model.collection.collectionName] = await model.collection.countDocuments(filterFor(store, accountId));
  }
  return counts;
}

/** Removes blind indexes (`…BlindIndex`): keyed HMACs for look-ups, not the owner's data. */
function stripInternal(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return value;
  if (!Object.getPrototypeOf(value) || Object.getPrototypeOf(value) === Object.prototype) {
    const out: Plain = {};
    for (const [k, v] of Object.entries(value as Plain)) if (!k.endsWith('BlindIndex')) out[k] = stripInternal(v);
    return out;
  }
  return value;
}

/** CSV columns: the schema's leaf paths (nested objects dotted, arrays and mixed values as JSON), `_id` first. */
export function csvColumns(model: AnyModel): string[] {
  const paths: string[] = [];
  model.schema.eachPath((path) => {
    if (path === '__v' || path.endsWith('BlindIndex')) return;
    paths.push(path);
  });
  return ['_id', ...paths.filter((p) => p !== '_id')];
}

function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Plain)[part];
  }
  return cur;
}

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'object') text = typeof (value as { toHexString?: unknown }).toHexString === 'function' ? String(value) : JSON.stringify(value);
  else text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (cells: string[]) => `${cells.join(',')}\r\n`;

/** One file of the archive as it is written into `stream`: counts and hashes what goes in. */
class EntryWriter {
  private readonly hash = createHash('sha256');
  bytes = 0;
  records = 0;
  constructor(
    readonly path: string,
    readonly stream: Writable = new PassThrough({ highWaterMark: 256 * 1024 }),
  ) {}

  async write(text: string, records: number) {
    const buf = Buffer.from(text, 'utf8');
    this.hash.update(buf);
    this.bytes += buf.length;
    this.records += records;
    if (!this.stream.write(buf)) await once(this.stream, 'drain');
  }

  async end(): Promise<{ bytes: number; sha256: string; records: number }> {
    this.stream.end();
    return { bytes: this.bytes, sha256: this.hash.digest('hex'), records: this.records };
  }
}

export interface WriteArchiveOptions {
  /** Called after each batch with the rows written so far, both files counted: the total is twice the records. */
  onProgress?(processed: number): void | Promise<void>;
  signal?: AbortSignal;
  /** zlib level of the entries (default 6). */
  compressionLevel?: number;
}

/**
 * Starts writing the archive and hands back its ZIP stream at once (pipe it somewhere: nothing is buffered beyond
 * the stream's high-water marks) and a promise of the manifest, settled when the last byte has been produced.
 */
export function writeArchive(models: Models, meta: ArchiveMeta, opts: WriteArchiveOptions = {}): { zip: Readable; done: Promise<ArchiveManifest> } {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as Readable;
  const mtime = meta.createdAt;
  const entryOptions = { mtime, compress: true, compressionLevel: opts.compressionLevel ?? 6 };
  const done = (async () => {
    const files: ArchiveFileEntry[] = [];
    const collections: ArchiveManifest['collections'] = [];
    zip.addBuffer(Buffer.from(readmeText(meta), 'utf8'), 'README.txt', { mtime });
    let processed = 0;
    for (const store of exportedStores()) {
      const model = models[store.model] as unknown as AnyModel;
      const name = model.collection.collectionName;
      const columns = csvColumns(model);
      const jsonl = new EntryWriter(`data/${name}.jsonl`);
      zip.addReadStream(jsonl.stream as PassThrough, jsonl.path, entryOptions);
      const spool = openSpool(meta);
      const csv = new EntryWriter(`data/${name}.csv`, spool.input);
      await csv.write(csvLine(columns.map(csvCell)), 0);
      const cursor = model.collection.find(filterFor(store, meta.accountId), { batchSize: BATCH });
      try {
        let batch: Plain[] = [];
        const flush = async () => {
          if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('export aborted');
          if (hasPersonalData(model)) await decryptDocuments(model, batch);
          let lines = '';
          let rows = '';
          for (const raw of batch) {
            const doc = stripInternal(raw);
            lines += `${JSON.stringify(doc)}\n`;
            rows += csvLine(columns.map((c) => csvCell(getPath(doc, c))));
          }
          await Promise.all([jsonl.write(lines, batch.length), csv.write(rows, batch.length)]);
          processed += 2 * batch.length;
          batch = [];
          await opts.onProgress?.(processed);
        };
        for await (const doc of cursor) {
          batch.push(doc as Plain);
          if (batch.length === BATCH) await flush();
        }
        if (batch.length) await flush();
      } catch (err) {
        spool.discard();
        throw err;
      } finally {
        await cursor.close();
      }
      files.push({ path: jsonl.path, collection: name, format: 'jsonl', ...(await jsonl.end()) });
      files.push({ path: csv.path, collection: name, format: 'csv', ...(await csv.end()) });
      zip.addReadStream(await spool.readBack(output), csv.path, entryOptions);
      collections.push({ name, treatment: store.treatment, records: files.at(-2)!.records, files: [jsonl.path, csv.path] });
    }
    const manifest: ArchiveManifest = {
      format: 'loro-account-export',
      formatVersion: EXPORT_FORMAT_VERSION,
      exportId: meta.exportId,
      accountId: meta.accountId,
      reason: meta.reason,
      createdAt: meta.createdAt.toISOString(),
      collections,
      files,
    };
    zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'), 'manifest.json', { mtime });
    zip.end();
    return manifest;
  })();
  // Whoever reads the ZIP sees a failure as a stream error; the promise carries it to the caller too.
  done.catch((err: Error) => output.emit('error', err));
  return { zip: output, done };
}

/**
 * A spool file for one CSV entry: written encrypted under a key held only here, read back decrypted once. The file
 * is unlinked as soon as it is open for reading (or when discarded), so nothing outlives the export.
 */
function openSpool(meta: ArchiveMeta) {
  const key = randomBytes(32);
  const binding = { accountId: meta.accountId, exportId: meta.exportId };
  const path = join(tmpdir(), `loro-export-${meta.exportId}-${randomBytes(6).toString('hex')}.spool`);
  const input = createEncryptStream(key, binding);
  const file = createWriteStream(path, { mode: 0o600 });
  input.pipe(file);
  return {
    input,
    discard() {
      input.destroy();
      file.destroy();
      void unlink(path).catch(() => {});
    },
    /** Waits for the spool to be on disk; the decrypted read stream of it, erroring into `onError`. */
    async readBack(onError: Readable): Promise<Readable> {
      if (!file.writableFinished) await once(file, 'finish');
      const handle = await open(path, 'r');
      await unlink(path);
      const decrypted = handle.createReadStream().pipe(createDecryptStream(key, binding));
      decrypted.on('error', (err) => onError.destroy(err));
      return decrypted;
    },
  };
}

export function readmeText(meta: ArchiveMeta): string {
  return `LORO CRM — export of your account's data
==========================================

Account: ${meta.accountId}
Export:  ${meta.exportId}
Created: ${meta.createdAt.toISOString()}
Format:  loro-account-export, version ${EXPORT_FORMAT_VERSION}

What is in this archive
-----------------------
data/<collection>.jsonl   one JSON object per line, one line per record, every stored field
                          (dates as ISO 8601 strings in UTC; IDs as strings).
data/<collection>.csv     the same records as CSV (RFC 4180: comma-separated, CRLF line ends, fields
                          with commas, quotes or line breaks in double quotes, UTF-8). One column per
                          field of the collection's schema, nested fields as dotted names
                          (owner.email); lists and structured values (addresses, invoice lines) as JSON.
manifest.json             the format and its version, the record count of every collection, and the
                          size and SHA-256 checksum of every file, to check the archive is complete:
                          sha256sum data/leads.jsonl must print the "sha256" listed for it.

Collections: accounts (your account), leads, technicians, jobs, route_plans, location_points,
usage_events, usage_daily, consents, invoices and payments. A collection with no records still has
its files (the CSV then holds only its header line).

Personal data (names, addresses, phone numbers, positions, notes …) is stored encrypted by LORO and
appears here decrypted, as you entered it. Internal look-up codes derived from it are not included.

Keep this archive safe: it holds personal data of you and of your customers.
`;
}
