import mongoose, { type Connection } from 'mongoose';

/**
 * E11000: a unique index refused the write — how the idempotent and sequence-numbered writes detect a lost race.
 * FerretDB v1 (SQLite backend) answers inserts with 11000 but an *update* that breaks a unique index with an
 * InternalError (code 1) whose message names the SQLite constraint: that is the same refusal.
 */
export const isDuplicateKeyError = (err: unknown) => {
  const e = err as { code?: number; message?: string };
  return e.code === 11000 || (e.code === 1 && /UNIQUE constraint failed/.test(e.message ?? ''));
};

/**
 * One mongoose connection per process. FerretDB v1 (development) and MongoDB (production) both speak the
 * protocol; the models avoid what FerretDB lacks (transactions, TTL indexes, $lookup …) — see infrastructure notes.
 */
export async function connectMongo(uri: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000, autoIndex: true });
  await connection.asPromise();
  return connection;
}
