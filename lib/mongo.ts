import mongoose, { type Connection } from 'mongoose';

/**
 * One mongoose connection per process. FerretDB v1 (development) and MongoDB (production) both speak the
 * protocol; the models avoid what FerretDB lacks (transactions, TTL indexes, $lookup …) — see infrastructure notes.
 */
export async function connectMongo(uri: string): Promise<Connection> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000, autoIndex: true });
  await connection.asPromise();
  return connection;
}
