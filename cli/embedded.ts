import { writeFile, rm } from 'node:fs/promises';
import { servicesFile, type Config, type ServiceAddresses } from '../config/index.ts';
import { startLocalStack } from '../services/stack.ts';
import { progress } from './progress.ts';

/** Starts the embedded services the config does not point elsewhere, and records their addresses. */
export async function startEmbeddedServices(config: Config) {
  const stack = await startLocalStack({
    dataDir: config.dataDir,
    cacheDir: config.cacheDir,
    namespace: config.temporal.namespace,
    external: { temporalAddress: config.temporal.address, mongoUri: config.mongoUri, smtpUrl: config.smtpUrl },
    preferredPorts: { temporal: 7233, temporalUi: 8233, mongo: 27017, smtp: 2525, mailHttp: 8025 },
    temporalUi: !config.temporal.address,
    uiCodecEndpoint: `${config.http.publicUrl}/api/codec`,
    progress,
  });
  const addresses: ServiceAddresses = {
    temporalAddress: stack.temporalAddress,
    temporalUiUrl: config.temporal.uiUrl ?? stack.temporalUiUrl,
    mongoUri: stack.mongoUri,
    smtpUrl: stack.smtpUrl,
    mailSinkUrl: stack.mailSinkUrl,
  };
  await writeFile(servicesFile(config), JSON.stringify(addresses, null, 2));
  return {
    addresses,
    logDir: stack.logDir,
    async stop() {
      await rm(servicesFile(config), { force: true });
      await stack.stop();
    },
  };
}
