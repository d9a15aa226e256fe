import pino from 'pino';
import { personalDataRedaction } from './personal-data';

/** Structured JSON logger; `logger.child({ orderId, correlationId })` adds bindings to every line. */
export type Logger = pino.Logger;

/**
 * A JSON logger bound to the service name (one line per event, ISO timestamps). Customers' email
 * addresses and names are censored (see `PERSONAL_DATA_LOG_PATHS`) unless `personalData` is true
 * (LOG_PERSONAL_DATA=true, for development).
 */
export function createLogger(opts: {
  service: string;
  level?: string;
  destination?: pino.DestinationStream;
  personalData?: boolean;
}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? 'info',
    base: { service: opts.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...(opts.personalData === true ? {} : personalDataRedaction()),
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A service's logger from its settings (SERVICE_NAME, LOG_LEVEL, LOG_PERSONAL_DATA). */
export function serviceLogger(
  config: { serviceName: string; logLevel: string; logPersonalData?: boolean },
  destination?: pino.DestinationStream,
): Logger {
  return createLogger({
    service: config.serviceName,
    level: config.logLevel,
    personalData: config.logPersonalData === true,
    ...(destination === undefined ? {} : { destination }),
  });
}
