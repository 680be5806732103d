import mongoose, { type Connection } from 'mongoose';

/**
 * One mongoose connection per process. FerretDB v1 (development) and MongoDB (production) both speak the
 * protocol; the models avoid what FerretDB lacks (transactions, TTL indexes, $lookup …) — see infrastructure notes.
 */
/** E11000: a unique index refused the write — how the idempotent and sequence-numbered writes detect a lost race. */
export const isDuplicateKeyError = (err: unknown) => (err as { code?: number }).code === 11000;

export async function connectMongo(uri: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000, autoIndex: true });
  await connection.asPromise();
  return connection;
}
