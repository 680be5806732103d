/**
 * CSV import of leads, streamed: the body goes through a byte counter into csv-parse, each row is validated with
 * the create schema (schemas/leads.ts, every failing field), and the good rows are stored in batches with one
 * unordered `insertMany` through the model — so the personal fields are encrypted and the blind indexes set like
 * any create. One batch is stored while the next is parsed; nothing but the current batches and one 32-digit
 * blind index per imported address (for duplicates within the file) is held in memory.
 *
 * Duplicates: an address seen on an earlier good row of the file is reported with that line; an address stored
 * already (before or meanwhile, e.g. by a parallel import) is refused by the unique index and reported with the
 * stored lead's ID. Refused, never merged. Reports carry line numbers, column names and messages — never values.
 */
import { Transform, type Readable } from 'node:stream';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { CsvError, parse } from 'csv-parse';
import { MongoBulkWriteError } from 'mongodb';
import type { FromSchema } from 'json-schema-to-ts';
import type { Models } from '../../models/index.ts';
import type { Keyring } from '../crypto/keyring.ts';
import { blindIndexWithKey } from '../crypto/blind-index.ts';
import { isDuplicateKeyError } from '../mongo.ts';
import { newId } from '../../models/ids.ts';
import { addLoroFormats, canonicalTimeZone } from '../../schemas/formats.ts';
import { leadFieldsSchema } from '../../schemas/leads.ts';
import { describe } from '../../api/validate.ts';

export type LeadFields = FromSchema<typeof leadFieldsSchema>;
export interface RowError { field: string; message: string }
export interface RejectedRow { line: number; errors: RowError[]; duplicateOfLine?: number; existingLeadId?: string }
export interface ImportReport { importId: string; rows: number; imported: number; rejected: RejectedRow[] }

/** Columns accepted (header names compared without case, spaces, dashes or underscores) → lead fields. */
const COLUMNS: Record<string, keyof LeadFields> = {
  name: 'name',
  email: 'email',
  phone: 'phone',
  company: 'company',
  jobtitle: 'jobTitle',
  notes: 'notes',
  timezone: 'timeZone',
  source: 'source',
  owner: 'ownerUserId',
  owneruserid: 'ownerUserId',
  score: 'score',
};
const columnKey = (header: string) => header.toLowerCase().replace(/[\s_-]+/g, '');

/** The header cannot be used: nothing was imported. */
export class ImportHeaderError extends Error {
  override name = 'ImportHeaderError';
  constructor(readonly errors: RowError[]) {
    super(`the CSV header is not usable: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
  }
}

/** The file is larger than accepted: reading stopped; the rows before were imported (counts, no values). */
export class ImportTooLargeError extends Error {
  override name = 'ImportTooLargeError';
  constructor(
    readonly limit: 'rows' | 'bytes',
    readonly max: number,
    readonly report: ImportReport,
  ) {
    super(`the file exceeds ${max} ${limit === 'rows' ? 'data rows' : 'bytes'}`);
  }
}

const ajv = addLoroFormats(addFormats.default(new Ajv({ allErrors: true, useDefaults: true, strict: false })));
const validateRow = ajv.compile<LeadFields>(leadFieldsSchema);

export interface ImportOptions {
  accountId: string;
  maxRows: number;
  maxBytes: number;
  /** Rows per insertMany (default 1,000). */
  batchSize?: number;
  /** Whether a user ID names a console user (asked once per distinct ID). */
  userExists(userId: string): Promise<boolean>;
}

type LeadInsert = LeadFields & { _id: string; accountId: string; importId: string; status: 'new' };
interface Pending { doc: LeadInsert; line: number; emailIndex?: string }

export async function importLeadsCsv(models: Pick<Models, 'Lead'>, keyring: Keyring, input: Readable, opts: ImportOptions): Promise<ImportReport> {
  const batchSize = opts.batchSize ?? 1000;
  const report: ImportReport = { importId: newId('imp'), rows: 0, imported: 0, rejected: [] };
  // The key the model encrypts with (created now if the account has none yet): duplicates within the file are
  // found by blind index, without keeping addresses in memory.
  const dataKey = await keyring.dataKeyFor(opts.accountId);
  const firstLineOf = new Map<string, number>();
  const owners = new Map<string, Promise<boolean>>();

  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done(bytes > opts.maxBytes ? new ImportTooLargeError('bytes', opts.maxBytes, report) : null, chunk);
    },
  });
  // Where the parser is (it runs ahead of the loop below): the last line of the last record it read or skipped.
  let parsedEnd = 0;
  const parser = parse({
    bom: true,
    info: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    max_record_size: 64 * 1024,
    on_record: (record: string[], context: { lines: number }) => {
      parsedEnd = context.lines;
      return record;
    },
  });
  // Malformed CSV (a stray quote…) loses that record; the code says what, the content is not repeated. An
  // opening quote never closed swallows the lines after it: the report names them.
  parser.on('skip', (err: CsvError & { lines?: number }) => {
    const start = parsedEnd + 1;
    const end = Math.max(err.lines ?? start, start);
    parsedEnd = end;
    report.rejected.push({ line: start, errors: [{ field: '', message: `not readable as CSV (${err.code})${end > start ? `; lines ${start} to ${end} could not be read` : ''}` }] });
  });
  // pipe, not pipeline: an error must not destroy the request, which still has to carry the answer.
  input.on('error', (err) => parser.destroy(err));
  counter.on('error', (err) => parser.destroy(err));
  input.pipe(counter).pipe(parser);

  let columns: (keyof LeadFields)[] | undefined;
  let batch: Pending[] = [];
  let inFlight: Promise<void> | undefined;
  let failure: unknown;
  const flush = async () => {
    await inFlight;
    if (failure) throw failure;
    const rows = batch;
    batch = [];
    if (rows.length) inFlight = storeBatch(models, opts.accountId, rows, report).catch((err: unknown) => void (failure = err));
  };

  let previousEnd = 0;
  let previousEmpty = 0;
  try {
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>) {
        // The line the record starts on (a quoted field may span lines; skipped blank lines count).
        const line = previousEnd + 1 + (info.empty_lines - previousEmpty);
        previousEnd = info.lines;
        previousEmpty = info.empty_lines;
        if (!columns) {
          columns = headerColumns(record);
          continue;
        }
        if (report.rows === opts.maxRows) {
          // The rows up to the limit are kept like any others; the rest of the file is not read.
          await flush();
          await inFlight;
          if (failure) throw failure;
          throw new ImportTooLargeError('rows', opts.maxRows, report);
        }
        report.rows++;
        const row = await checkRow(record, columns, opts, owners);
        if ('errors' in row) {
          report.rejected.push({ line, errors: row.errors });
          continue;
        }
        const emailIndex = row.fields.email === undefined ? undefined : blindIndexWithKey(dataKey, 'email', row.fields.email);
        if (emailIndex) {
          const first = firstLineOf.get(emailIndex);
          if (first !== undefined) {
            report.rejected.push({ line, duplicateOfLine: first, errors: [{ field: 'email', message: `is the address of line ${first} of this file (refused, not merged)` }] });
            continue;
          }
          firstLineOf.set(emailIndex, line);
        }
        batch.push({ line, emailIndex, doc: { ...row.fields, _id: newId('led'), accountId: opts.accountId, importId: report.importId, status: 'new' } });
        if (batch.length >= batchSize) await flush();
      }
    } catch (err) {
      // A fault csv-parse cannot skip past ends the reading there: what came before is imported and reported.
      if (!(err instanceof CsvError) || !columns) throw err;
      report.rejected.push({ line: (err as CsvError & { lines?: number }).lines ?? previousEnd + 1, errors: [{ field: '', message: `not readable as CSV (${err.code}); the rest of the file was not read` }] });
    }
    if (!columns) throw new ImportHeaderError([{ field: '', message: 'the file is empty: a header line naming the columns is required' }]);
    await flush();
    await inFlight;
    if (failure) throw failure;
  } catch (err) {
    parser.destroy();
    input.unpipe(counter);
    input.resume(); // drain what the client still sends, so it reads the answer instead of a reset
    // Rows already stored stay (they are good), and so do the checked rows of the batch being filled when the size
    // limit stopped the reading; the error's report says how many.
    if (err instanceof ImportTooLargeError && !failure) await flush().catch((e: unknown) => void (failure = e));
    await inFlight;
    throw failure ?? (err instanceof CsvError ? new ImportHeaderError([{ field: '', message: `not readable as CSV (${err.code})` }]) : err);
  }
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}

function headerColumns(record: string[]): (keyof LeadFields)[] {
  const errors: RowError[] = [];
  const columns = record.map((header, i) => {
    const field = COLUMNS[columnKey(header)];
    if (!field) errors.push({ field: header || `column ${i + 1}`, message: `is not a lead field (columns: name, email, phone, company, jobTitle, notes, timeZone, source, ownerUserId, score)` });
    return field!;
  });
  for (const field of new Set(columns)) if (field && columns.filter((c) => c === field).length > 1) errors.push({ field, message: 'is named by more than one column' });
  if (!columns.includes('name')) errors.push({ field: 'name', message: 'a name column is required' });
  if (errors.length) throw new ImportHeaderError(errors);
  return columns;
}

async function checkRow(record: string[], columns: (keyof LeadFields)[], opts: ImportOptions, owners: Map<string, Promise<boolean>>): Promise<{ errors: RowError[] } | { fields: LeadFields }> {
  if (record.length > columns.length) return { errors: [{ field: '', message: `has ${record.length} fields; the header has ${columns.length}` }] };
  const raw: Record<string, unknown> = {};
  columns.forEach((field, i) => {
    const value = record[i];
    if (value === undefined || value === '') return; // an empty cell is an absent field
    raw[field] = field === 'score' && /^-?[0-9]{1,9}$/.test(value) ? Number(value) : value;
  });
  raw.source ??= 'csv-import';
  const errors: RowError[] = [];
  if (!validateRow(raw)) {
    for (const e of validateRow.errors!) {
      const { path, message } = describe('', e);
      errors.push({ field: path.replace(/^\/+/, ''), message });
    }
  }
  const owner = typeof raw.ownerUserId === 'string' && !errors.some((e) => e.field === 'ownerUserId') ? raw.ownerUserId : undefined;
  if (owner) {
    let exists = owners.get(owner);
    if (!exists) owners.set(owner, (exists = opts.userExists(owner)));
    if (!(await exists)) errors.push({ field: 'ownerUserId', message: 'is not a console user' });
  }
  if (errors.length) return { errors };
  const fields = raw as LeadFields;
  return { fields: { ...fields, ...(fields.timeZone ? { timeZone: canonicalTimeZone(fields.timeZone)! } : {}) } };
}

/** One unordered insertMany; rows refused by the unique address index are reported with the stored lead's ID. */
async function storeBatch(models: Pick<Models, 'Lead'>, accountId: string, rows: Pending[], report: ImportReport): Promise<void> {
  let duplicateIds: Set<string> | undefined;
  try {
    await models.Lead.insertMany(
      rows.map((r) => r.doc),
      { ordered: false },
    );
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const writeErrors = [err.writeErrors].flat();
    if (writeErrors.some((w) => !isDuplicateKeyError(w))) throw err;
    duplicateIds = new Set(writeErrors.map((w) => String((w.getOperation() as { _id: unknown })._id)));
  }
  if (!duplicateIds?.size) {
    report.imported += rows.length;
    return;
  }
  const refused = rows.filter((r) => duplicateIds.has(r.doc._id));
  report.imported += rows.length - refused.length;
  const indexes = refused.flatMap((r) => (r.emailIndex ? [r.emailIndex] : []));
  const existing = await models.Lead.find({ accountId, emailBlindIndex: { $in: indexes } }, { _id: 1, emailBlindIndex: 1 }).lean();
  const idOf = new Map(existing.map((l) => [l.emailBlindIndex!, l._id]));
  for (const r of refused) {
    const existingLeadId = r.emailIndex ? idOf.get(r.emailIndex) : undefined;
    report.rejected.push({
      line: r.line,
      ...(existingLeadId ? { existingLeadId } : {}),
      errors: [{ field: 'email', message: existingLeadId ? `belongs to lead ${existingLeadId} already (refused, not merged)` : 'belongs to a stored lead already (refused, not merged)' }],
    });
  }
}
