import { Client, Connection } from '@temporalio/client';
import type { ResolvedConfig } from '../config/index.ts';
import { createDataConverter } from './crypto/data-converter.ts';
import type { Keyring } from './crypto/keyring.ts';

/** A client of the configured namespace; with a keyring, every payload it sends or reads goes through the encrypting codec. */
export async function connectTemporalClient(config: ResolvedConfig, keyring?: Keyring): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporal.address, tls: config.temporal.tls || undefined });
  return new Client({ connection, namespace: config.temporal.namespace, ...(keyring ? { dataConverter: createDataConverter(keyring) } : {}) });
}
