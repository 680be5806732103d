import { Client, Connection } from '@temporalio/client';
import type { ResolvedConfig } from '../config/index.ts';

export async function connectTemporalClient(config: ResolvedConfig): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporal.address, tls: config.temporal.tls || undefined });
  return new Client({ connection, namespace: config.temporal.namespace });
}
