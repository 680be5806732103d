/** The worker process: runs every workflow and activity; on SIGTERM lets running activities finish, then exits. */
import { NativeConnection } from '@temporalio/worker';
import { loadConfig, withServiceAddresses } from '../config/index.ts';
import { createLogger } from '../lib/logger.ts';
import { runMain } from '../lib/main.ts';
import { connectMongo } from '../lib/mongo.ts';
import { createMailer } from '../lib/mailer.ts';
import { createDataConverter } from '../lib/crypto/data-converter.ts';
import { openEngineKeyring } from '../lib/crypto/engine-keyring.ts';
import { createModels, syncIndexes } from '../models/index.ts';
import { createWorker } from './create-worker.ts';
import { activityDeps } from '../activities/index.ts';
import { installRuntimeLogger } from './runtime-logger.ts';

runMain('worker', async () => {
  const config = withServiceAddresses(loadConfig());
  const logger = createLogger('worker', config.logLevel);
  installRuntimeLogger(logger);
  const mongo = await connectMongo(config.mongoUri);
  // One keyring per process: personal fields (models) and Temporal payloads (data converter) are encrypted through it.
  const keyring = await openEngineKeyring({ config, mongo });
  const models = createModels(mongo, keyring);
  await syncIndexes(models);
  const mailer = createMailer(config.smtpUrl, config.mailFrom, {
    pauseBeforeCommit: config.faultPauseAt === 'mail-before-commit' ? (messageId) => logger.warn({ messageId }, 'fault point mail-before-commit: waiting to be killed') : undefined,
  });
  const connection = await NativeConnection.connect({ address: config.temporal.address, tls: config.temporal.tls || undefined });
  const deps = activityDeps(config, { models, mailer, keyring });
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    deps,
    taskQueue: config.temporal.taskQueue,
    workflowBundlePath: config.temporal.workflowBundle,
    shutdownGraceTime: config.workerShutdownGrace as `${number}s`,
    dataConverter: createDataConverter(keyring),
  });
  const running = worker.run();
  logger.info({ taskQueue: worker.options.taskQueue, namespace: config.temporal.namespace }, 'worker running');
  running.catch((err: Error) => {
    logger.fatal({ err }, 'worker stopped unexpectedly');
    process.exit(1);
  });
  return async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await mongo.close();
    mailer.close();
    logger.info('worker stopped');
  };
});
