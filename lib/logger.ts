import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Personal data never belongs in a log line; the redaction list is a safety net for
 * the obvious carriers (credentials, cookies, addresses), not a licence to log objects wholesale.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', '*.password', '*.email', '*.name', '*.phone'],
      censor: '[redacted]',
    },
  });
}
