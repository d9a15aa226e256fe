// The console's configuration: the only module of the console that reads the environment.
import path from 'node:path';
import {
  ConfigError,
  adminKafkaSecurity,
  authSettings,
  int,
  list,
  loadConfig,
  platformSettings,
  str,
  type Setting,
} from '@orderflow/platform';

/** The console's port unless CONSOLE_PORT says otherwise (the services use 8001-8004). */
export const CONSOLE_DEFAULT_PORT = 8005;

const SERVICE_NAMES = ['order', 'payment', 'inventory', 'notification'] as const;

/** `CONSOLE_SERVICE_URLS=order=http://…,payment=http://…`: where each service's /ready and /metrics answer. */
function serviceUrls(variable: string): Setting<Record<string, string>> {
  const raw = list(variable, { default: SERVICE_NAMES.map((s, i) => `${s}=http://127.0.0.1:${8001 + i}`) });
  return {
    variable,
    read(env) {
      const out: Record<string, string> = {};
      const problems: string[] = [];
      for (const item of raw.read(env)) {
        const m = /^([a-z][a-z0-9-]*)=(https?:\/\/\S+)$/.exec(item);
        if (m === null) problems.push(`${variable}: "${item}" is not <service>=<http(s) URL>`);
        else out[m[1] ?? ''] = (m[2] ?? '').replace(/\/+$/, '');
      }
      if (problems.length > 0) throw new ConfigError(problems);
      return out;
    },
  };
}

/** Every setting of the console. */
export const consoleSettings = {
  ...platformSettings('console', CONSOLE_DEFAULT_PORT),
  ...authSettings(path.resolve(__dirname, '../../..')),
  /**
   * The console reads every topic and DLT and produces replays: on the local stack it is the admin
   * principal (like `npm run dlt`); elsewhere KAFKA_SECURITY_PROTOCOL / KAFKA_SASL_* name its principal.
   */
  kafkaSecurity: {
    variable: 'KAFKA_SECURITY_PROTOCOL',
    read: (env) => adminKafkaSecurity(env),
  } satisfies Setting<ReturnType<typeof adminKafkaSecurity>>,
  /** The console's HTTP port (PORT works too, as for every service; CONSOLE_PORT wins). */
  consolePort: int('CONSOLE_PORT', { optional: true, min: 1, max: 65535 }),
  /** Where the services answer /ready, /metrics and their admin APIs. */
  serviceUrls: serviceUrls('CONSOLE_SERVICE_URLS'),
  /**
   * The bearer token the console sends to the services (admin scope: /metrics, /ready, GET /payments,
   * GET /notifications). Outside production it defaults to one minted by the development issuer.
   */
  serviceToken: str('CONSOLE_SERVICE_TOKEN', { optional: true, hint: 'a JWT with the admin scope' }),
  /** How many orders the console keeps in memory (the oldest seen are dropped first). */
  maxOrders: int('CONSOLE_MAX_ORDERS', { default: 5000, min: 10, max: 1_000_000 }),
};

/** The validated configuration of the console. */
export type ConsoleConfig = ReturnType<typeof loadConsoleConfig>;

/** Reads and validates the settings from `env`; throws a ConfigError naming every bad variable. */
export function loadConsoleConfig(env: Readonly<Record<string, string | undefined>>) {
  const config = loadConfig(consoleSettings, env);
  if (config.environment === 'production' && config.serviceToken === undefined)
    throw new ConfigError([
      'CONSOLE_SERVICE_TOKEN is not set; set it to a token with the admin scope from your issuer (the development issuer is refused when ORDERFLOW_ENV=production)',
    ]);
  return { ...config, port: config.consolePort ?? config.port };
}

/** The configuration from this process's environment. */
export function configFromEnvironment(): ConsoleConfig {
  return loadConsoleConfig(process.env);
}
