import type { ResolvedConfig } from '../config/index.ts';
import { connectMongo } from '../lib/mongo.ts';
import { openEngineKeyring } from '../lib/crypto/engine-keyring.ts';
import type { Keyring } from '../lib/crypto/keyring.ts';
import { connectTemporalClient } from '../lib/temporal.ts';
import type { Logger } from '../lib/logger.ts';
import { createModels, syncIndexes } from '../models/index.ts';
import { createLoginThrottle } from './auth/throttle.ts';
import type { ApiDeps } from './deps.ts';

/**
 * The process's one keyring serves the models (field encryption) and the Temporal client (payload codec).
 * `opts.keyring` replaces it (tests may pass test/fixtures/memory-keyring.ts).
 */
export async function buildApiDeps(config: ResolvedConfig, logger: Logger, opts: { keyring?: Keyring } = {}): Promise<ApiDeps & { close(): Promise<void> }> {
  const mongo = await connectMongo(config.mongoUri);
  const keyring = opts.keyring ?? (await openEngineKeyring({ config, mongo }));
  const models = createModels(mongo, keyring);
  await syncIndexes(models);
  const temporal = await connectTemporalClient(config, keyring);
  const throttle = await createLoginThrottle(mongo, config.loginMaxAttempts);
  return {
    config,
    logger,
    mongo,
    models,
    keyring,
    temporal,
    throttle,
    async close() {
      await temporal.connection.close();
      await mongo.close();
    },
  };
}
