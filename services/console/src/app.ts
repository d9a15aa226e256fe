import {
  createHttpApp,
  createMetricsRegistry,
  listen,
  serviceLogger,
  verifierFromConfig,
  type Logger,
} from '@orderflow/platform';
import { ACCESS } from './access';
import type { ConsoleConfig } from './config';
import type { ConsoleData } from './data-source';
import { consoleRoutes } from './routes';

/** Overrides for tests. */
export interface ConsoleAppOptions {
  logger?: Logger;
}

/** The console, assembled but not started: the HTTP kit (auth, problem+json, /health, /ready) around its routes. */
export function createConsoleApp(config: ConsoleConfig, data: ConsoleData, opts: ConsoleAppOptions = {}) {
  const logger = opts.logger ?? serviceLogger(config);
  const verifier = verifierFromConfig(config);
  const http = createHttpApp({
    logger,
    metrics: createMetricsRegistry(config.serviceName),
    readiness: [{ name: 'sources', check: () => data.ready() }],
    auth: { verifier, access: ACCESS },
    routes: (app) => consoleRoutes(app, data),
  });
  return {
    http,
    /** Listens on the configured port and address; `stop` closes the server, then the data source. */
    async start(): Promise<{ port: number; stop: () => Promise<void> }> {
      await verifier.ready;
      const server = await listen(http, config.port, config.bindAddress);
      logger.info(
        { port: server.port, host: server.host, logPersonalData: config.logPersonalData },
        'listening',
      );
      return {
        port: server.port,
        stop: async () => {
          await server.close();
          await data.close();
        },
      };
    },
  };
}
