/**
 * The keyring of the engine's processes (api, worker, scheduler): one per process, shared by the models (field
 * encryption) and the Temporal data converter (payload codec). All three processes must encrypt payloads alike —
 * a client without the codec cannot read what an encrypting worker wrote — so they all get their keyring here.
 */
import type { Connection } from 'mongoose';
import type { ResolvedConfig } from '../../config/index.ts';
import type { Keyring } from './keyring.ts';
import { createKeyring } from './mongo-keyring.ts';

export function openEngineKeyring({ config, mongo }: { config: ResolvedConfig; mongo: Connection }): Promise<Keyring> {
  return createKeyring(mongo, config);
}
