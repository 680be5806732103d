import type { ResolvedConfig } from '../config/index.ts';
import { connectMongo } from '../lib/mongo.ts';
import { connectTemporalClient } from '../lib/temporal.ts';
import type { Logger } from '../lib/logger.ts';
import { createModels, syncIndexes } from '../models/index.ts';
import { createLoginThrottle } from './auth/throttle.ts';
import type { ApiDeps } from './deps.ts';

export async function buildApiDeps(config: ResolvedConfig, logger: Logger): Promise<ApiDeps & { close(): Promise<void> }> {
  const mongo = await connectMongo(config.mongoUri);
  const models = createModels(mongo);
  await syncIndexes(models);
  const temporal = await connectTemporalClient(config);
  const throttle = await createLoginThrottle(mongo, config.loginMaxAttempts);
  return {
    config,
    logger,
    mongo,
    models,
    temporal,
    throttle,
    async close() {
      await temporal.connection.close();
      await mongo.close();
    },
  };
}
