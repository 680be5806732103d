/** The scheduler process: fires the scheduled triggers, which start Temporal workflows. */
import { loadConfig, withServiceAddresses } from '../config/index.ts';
import { createLogger } from '../lib/logger.ts';
import { runMain } from '../lib/main.ts';
import { connectMongo } from '../lib/mongo.ts';
import { connectTemporalClient } from '../lib/temporal.ts';
import { openEngineKeyring } from '../lib/crypto/engine-keyring.ts';
import { createScheduler } from './create-scheduler.ts';
import { TRIGGERS } from './triggers.ts';

runMain('scheduler', async () => {
  const config = withServiceAddresses(loadConfig());
  const logger = createLogger('scheduler', config.logLevel);
  const mongo = await connectMongo(config.mongoUri);
  const temporal = await connectTemporalClient(config, await openEngineKeyring({ config, mongo }));
  const agenda = await createScheduler({ db: mongo.db!, temporal, taskQueue: config.temporal.taskQueue, logger, triggers: TRIGGERS });
  logger.info({ triggers: TRIGGERS.map((t) => `${t.name} (${t.cron} ${t.timezone})`) }, 'scheduler running');
  return async () => {
    await agenda.drain(30_000);
    await agenda.stop();
    await temporal.connection.close();
    await mongo.close();
  };
});
