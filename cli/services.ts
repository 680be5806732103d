/** `npm run services`: the embedded services alone, for running worker/API/scheduler by hand. */
import { loadConfig } from '../config/index.ts';
import { runMain } from '../lib/main.ts';
import { startEmbeddedServices } from './embedded.ts';
import { progress } from './progress.ts';

runMain('services', async () => {
  const config = loadConfig();
  const services = await startEmbeddedServices(config);
  const a = services.addresses;
  progress(`services ready — Temporal ${a.temporalAddress}${a.temporalUiUrl ? ` (Web UI ${a.temporalUiUrl})` : ''}, MongoDB ${a.mongoUri}, SMTP ${a.smtpUrl}${a.mailSinkUrl ? ` (outbox ${a.mailSinkUrl}/messages)` : ''}`);
  progress(`logs in ${services.logDir}; Ctrl-C stops them`);
  return () => services.stop();
});
