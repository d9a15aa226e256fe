import { isIP } from 'node:net';
import { kafkaSecurityFromEnv, registryAuthFromEnv } from './kafka-security';
import { traceSettingsFromEnv } from './trace-settings';
import { serviceDatabaseUrl } from './postgres-server';

/** Why the environment was refused. */
export type ConfigErrorCode = 'INVALID_CONFIG';

/** Every missing or malformed setting at once, each naming its variable and what to set. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode = 'INVALID_CONFIG';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** One setting: its variable name and how to turn the raw text into a value (throws a readable message). */
export interface Setting<T> {
  readonly variable: string;
  read(env: Env): T;
}

class SettingProblem extends Error {}

function setting<T>(
  variable: string,
  parse: (raw: string) => T,
  fallback: object,
  hint: string,
  show: (raw: string) => string = (raw) => JSON.stringify(raw),
): Setting<T> {
  return {
    variable,
    read(env) {
      const raw = env[variable];
      if (raw === undefined || raw.trim() === '') {
        if ('default' in fallback) return fallback.default as T;
        if ('optional' in fallback && fallback.optional === true) return undefined as T;
        throw new SettingProblem(`${variable} is not set; set it to ${hint}`);
      }
      try {
        return parse(raw.trim());
      } catch (err) {
        throw new SettingProblem(
          `${variable}=${show(raw)} is invalid: ${(err as Error).message}; set it to ${hint}`,
        );
      }
    },
  };
}

/** A setting made of several variables, read together by `read` (throws a readable message). */
export function composite<T>(variable: string, read: (env: Env) => T): Setting<T> {
  return {
    variable,
    read(env) {
      try {
        return read(env);
      } catch (err) {
        throw new SettingProblem((err as Error).message);
      }
    },
  };
}

// `default` supplies a value when unset; `optional: true` makes the value `T | undefined`; neither: required.
type Fallback<T> = { default?: T; optional?: boolean };
type Result<T, F> = F extends { optional: true } ? T | undefined : T;

/** A text setting. */
export function str<F extends Fallback<string> = object>(
  variable: string,
  opts?: F & { hint?: string },
): Setting<Result<string, F>> {
  return setting(variable, (raw) => raw, opts ?? {}, opts?.hint ?? 'a non-empty value');
}

/** An integer setting within [min, max]. */
export function int<F extends Fallback<number> = object>(
  variable: string,
  opts?: F & { min?: number; max?: number },
): Setting<Result<number, F>> {
  const min = opts?.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts?.max ?? Number.MAX_SAFE_INTEGER;
  const hint = `an integer${opts?.min !== undefined || opts?.max !== undefined ? ` from ${min} to ${max}` : ''}`;
  return setting(
    variable,
    (raw) => {
      if (!/^-?\d+$/.test(raw)) throw new Error('not an integer');
      const n = Number(raw);
      if (n < min || n > max) throw new Error(`out of range ${min}..${max}`);
      return n;
    },
    opts ?? {},
    hint,
  );
}

/** A URL setting, optionally restricted to some protocols (e.g. ['postgresql:', 'postgres:']). */
export function url<F extends Fallback<string> = object>(
  variable: string,
  opts?: F & { protocols?: string[] },
): Setting<Result<string, F>> {
  const protocols = opts?.protocols;
  const hint = protocols ? `a ${protocols.join(' or ')}// URL` : 'an absolute URL';
  return setting(
    variable,
    (raw) => {
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new Error('not an absolute URL');
      }
      if (protocols && !protocols.includes(parsed.protocol))
        throw new Error(`protocol ${parsed.protocol} is not ${protocols.join(' or ')}`);
      return raw;
    },
    opts ?? {},
    hint,
    // A DATABASE_URL or REDIS_URL carries a password; the message goes to logs.
    (raw) => JSON.stringify(redactUrl(raw)),
  );
}

/** The URL with its password replaced by `***` (for messages and logs); text that is not a URL is hidden whole when it looks like one with credentials. */
export function redactUrl(text: string): string {
  try {
    const parsed = new URL(text);
    if (parsed.password === '') return text;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return text.replace(/\/\/[^/@\s]*@/, '//***@');
  }
}

/** A listening address: an IP literal (IPv4 or IPv6) or a host name such as `localhost`. */
export function address<F extends Fallback<string> = object>(
  variable: string,
  opts?: F,
): Setting<Result<string, F>> {
  return setting(
    variable,
    (raw) => {
      if (
        isIP(raw) === 0 &&
        !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(raw)
      )
        throw new Error('not an IP address or host name');
      return raw;
    },
    opts ?? {},
    'an IP address such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface, e.g. in a container)',
  );
}

/** A comma-separated list setting (e.g. KAFKA_BROKERS=host1:9092,host2:9092). */
export function list<F extends Fallback<string[]> = object>(
  variable: string,
  opts?: F,
): Setting<Result<string[], F>> {
  return setting(
    variable,
    (raw) => {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (items.length === 0) throw new Error('empty list');
      return items;
    },
    opts ?? {},
    'a comma-separated list',
  );
}

/** A setting restricted to a closed set of values. */
export function oneOf<const V extends string, F extends Fallback<V> = object>(
  variable: string,
  values: readonly V[],
  opts?: F,
): Setting<Result<V, F>> {
  return setting(
    variable,
    (raw) => {
      if (!(values as readonly string[]).includes(raw)) throw new Error(`not one of ${values.join(', ')}`);
      return raw as V;
    },
    opts ?? {},
    `one of ${values.join(', ')}`,
  );
}

/** A boolean setting: true/false/1/0/yes/no. */
export function bool<F extends Fallback<boolean> = object>(
  variable: string,
  opts?: F,
): Setting<Result<boolean, F>> {
  return setting(
    variable,
    (raw) => {
      const v = raw.toLowerCase();
      if (['true', '1', 'yes'].includes(v)) return true;
      if (['false', '0', 'no'].includes(v)) return false;
      throw new Error('not a boolean');
    },
    opts ?? {},
    'true or false',
  );
}

type Values<S> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** Reads every setting of `spec` from `env`; throws one ConfigError listing all problems. */
export function loadConfig<S extends Record<string, Setting<unknown>>>(
  spec: S,
  env: Env,
): Readonly<Values<S>> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(spec)) {
    try {
      out[key] = s.read(env);
    } catch (err) {
      if (!(err instanceof SettingProblem)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as Readonly<Values<S>>;
}

/** The settings every service shares, with the defaults of the local stack; spread into a service's spec. */
export function platformSettings(service: string, defaultPort: number) {
  return {
    serviceName: str('SERVICE_NAME', { default: service }),
    port: int('PORT', { default: defaultPort, min: 1, max: 65535 }),
    /** Where the HTTP server listens: this machine only unless set (a container sets 0.0.0.0 and publishes the port). */
    bindAddress: address('BIND_ADDRESS', { default: '127.0.0.1' }),
    /** DATABASE_URL, else the service's database orderflow_<service> on ORDERFLOW_POSTGRES_URL's server (default: this machine's). */
    databaseUrl: composite(
      'DATABASE_URL',
      (env) =>
        url('DATABASE_URL', { optional: true, protocols: ['postgresql:', 'postgres:'] }).read(env) ??
        serviceDatabaseUrl(service, env),
    ),
    kafkaBrokers: list('KAFKA_BROKERS', { default: ['localhost:9092'] }),
    schemaRegistryUrl: url('SCHEMA_REGISTRY_URL', {
      default: 'http://localhost:8081/apis/ccompat/v7',
      protocols: ['http:', 'https:'],
    }),
    /** How the service authenticates to Kafka (see kafka-security.ts): SASL/SCRAM and TLS from KAFKA_SECURITY_PROTOCOL,
     * KAFKA_SASL_*, KAFKA_SSL_*; on a development machine the local stack's credentials of the service's principal. */
    // The principal is the service (SERVICE_NAME may name an instance; its consumer group keeps the service's prefix).
    kafkaSecurity: composite('KAFKA_SECURITY_PROTOCOL', (env) => kafkaSecurityFromEnv(env, service)),
    /** The schema registry's basic credentials (SCHEMA_REGISTRY_USERNAME + SCHEMA_REGISTRY_PASSWORD), if it needs them. */
    schemaRegistryAuth: composite('SCHEMA_REGISTRY_USERNAME', registryAuthFromEnv),
    redisUrl: url('REDIS_URL', { default: 'redis://127.0.0.1:6379', protocols: ['redis:', 'rediss:'] }),
    environment: oneOf('ORDERFLOW_ENV', ['development', 'test', 'production'], { default: 'development' }),
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      default: 'info',
    }),
    /** Log customers' email addresses and names in clear (development only); censored by default. */
    logPersonalData: bool('LOG_PERSONAL_DATA', { default: false }),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', { default: 15_000, min: 100 }),
    /** Database connections of the service's pool (the outbox relay holds 3 more). */
    databasePoolSize: int('DATABASE_POOL_SIZE', { default: 10, min: 1, max: 200 }),
    /** Attempts of an event failing with an unknown (neither permanent nor outage) error before it is dead-lettered. */
    consumerMaxAttempts: int('CONSUMER_MAX_ATTEMPTS', { default: 5, min: 1 }),
    /** How long a consumer's fetch waits for data (kafkajs maxWaitTimeInMs). */
    consumerFetchWaitMs: int('CONSUMER_FETCH_WAIT_MS', { default: 1_000, min: 1, max: 30_000 }),
    /** Bytes a fetch waits for, up to CONSUMER_FETCH_WAIT_MS, before it returns (kafkajs minBytes; 1 = at the first data). */
    consumerFetchMinBytes: int('CONSUMER_FETCH_MIN_BYTES', { default: 1, min: 1, max: 52_428_800 }),
    /** A caught-up partition's next fetch waits until this long after the last (ms; batches the next messages into one transaction; 0: at once; the consumer's DEFAULT_CONSUMER_LINGER_MS). */
    consumerLingerMs: int('CONSUMER_LINGER_MS', { default: 50, min: 0, max: 1_000 }),
    /** A consumer with unhandled messages on its partitions that has fetched nothing for this long is recreated. */
    consumerStallAfterMs: int('CONSUMER_STALL_AFTER_MS', { default: 20_000, min: 1_000 }),
    /** /ready fails while the outbox relay has been failing for longer than this. */
    readyRelayFailingMs: int('READY_RELAY_FAILING_MS', { default: 30_000, min: 0 }),
    /** /ready fails while the oldest unpublished outbox row is older than this. */
    readyOutboxAgeMs: int('READY_OUTBOX_AGE_MS', { default: 60_000, min: 0 }),
    /** /ready fails while a partition has waited on a failing message for longer than this. */
    readyStalledPartitionMs: int('READY_STALLED_PARTITION_MS', { default: 60_000, min: 0 }),
    /** Inbox rows (handled event ids) are kept this long; longer than the topics' retention so a replay from the earliest offset repeats nothing. */
    inboxRetentionMs: int('INBOX_RETENTION_MS', { default: 8 * 86_400_000, min: 60_000 }),
    /** After a send that took everything queued, the outbox relay's next send waits until this long after it (ms; 0: at once; the relay's DEFAULT_OUTBOX_LINGER_MS). */
    outboxLingerMs: int('OUTBOX_LINGER_MS', { default: 20, min: 0, max: 1_000 }),
    /** Published outbox rows are kept this long (a record of what was sent), then pruned. */
    outboxRetainPublishedMs: int('OUTBOX_RETAIN_PUBLISHED_MS', { default: 3_600_000, min: 0 }),
    /** OpenTelemetry tracing from the standard OTEL_* variables (trace-settings.ts); off unless OTEL_TRACES_EXPORTER names an exporter. */
    tracing: composite('OTEL_TRACES_EXPORTER', (env) => traceSettingsFromEnv(env, service)),
  };
}
