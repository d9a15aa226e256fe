import pino from 'pino';

/** Structured JSON logger; `logger.child({ orderId, correlationId })` adds bindings to every line. */
export type Logger = pino.Logger;

/** A JSON logger bound to the service name (one line per event, ISO timestamps). */
export function createLogger(opts: {
  service: string;
  level?: string;
  destination?: pino.DestinationStream;
}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? 'info',
    base: { service: opts.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
