import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../lib/logger.ts';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the SDK's logs (including `log` from workflow code, which carries workflowId and runId) into the
 * process's JSON logger. Installed once per process, before any worker is created.
 */
export function installRuntimeLogger(logger: Logger, level: LogLevel = 'INFO') {
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      // The SDK puts a failure under `error`; pino serialises an Error (type, message, stack) only under `err`.
      const { error, ...meta } = entry.meta ?? {};
      logger[LEVELS[entry.level]]({ ...meta, ...(error === undefined ? {} : { err: error }) }, entry.message);
    }),
  });
}
