/** Process entry points: one clear line and a non-zero exit for a bad setting or a service that won't start. */
import { ConfigError } from '../config/index.ts';

const EXPECTED = new Set(['ConfigError', 'ServiceStartError', 'ServiceBuildError', 'StartupError', 'MasterKeyError']);

/** An expected start-up failure whose message is the whole story. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export function runMain(name: string, main: () => Promise<() => Promise<void>>) {
  let shutdown: (() => Promise<void>) | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`loro ${name}: ${signal} received, shutting down\n`);
    (shutdown ?? (async () => {}))().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`loro ${name}: shutdown failed: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: a second signal during shutdown must not fall through to Node's default (exit at once).
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  main().then(
    (s) => {
      shutdown = s;
    },
    (err: Error) => {
      const expected = err instanceof ConfigError || EXPECTED.has(err.name);
      process.stderr.write(`loro ${name}: ${expected ? err.message : (err.stack ?? err.message)}\n`);
      process.exit(1);
    },
  );
}
