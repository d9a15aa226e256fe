import { verifyRegistry } from '@orderflow/codec';
import { classifyFailure } from './failures';
import { backoffDelay, sleep } from './retry';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { AccessRule } from './auth/access';
import { redisRateLimiter } from './auth/rate-limit';
import { resolveAuth, verifierFromConfig, type AuthConfig } from './auth/settings';
import { createRedis } from './cache';
import { ConsumerRunner, DEFAULT_CONSUMER_CONCURRENCY, type Subscription } from './consumer';
import { createHttpApp, listen, type HttpAppOptions } from './http';
import { createKafka, ensureTopics, ManagedProducer } from './kafka';
import { describeKafkaSecurity, PLAINTEXT, type KafkaSecurity, type RegistryAuth } from './kafka-security';
import { runService, stopAll, type RunningService } from './lifecycle';
import pino from 'pino';
import { serviceLogger, type Logger } from './logger';
import { createMetricsRegistry } from './metrics';
import { OutboxRelay, type OutboxCodec } from './outbox-relay';
import { Pruner, type PruneRule } from './pruning';
import { consumerCheck, databaseCheck, kafkaCheck, redisCheck, registryCheck, relayCheck } from './readiness';
import { databasePool } from './prisma';
import type { SqlExecutor } from './sql';
import { sqlTransactions, type SqlTransaction } from './sql-transaction';
import { tracingOff, type TraceSettings } from './trace-settings';
import { startTracing } from './tracing-sdk';

/** The settings the runtime reads (every `platformSettings(...)` + `authSettings(...)` config has them). */
export interface ServiceRuntimeConfig extends AuthConfig {
  serviceName: string;
  /** The rate limiter's Redis when the service hands the runtime none. */
  redisUrl: string;
  port: number;
  /** Where the HTTP server listens (BIND_ADDRESS); absent → 127.0.0.1. */
  bindAddress?: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  /** How the service authenticates to Kafka; absent → PLAINTEXT. */
  kafkaSecurity?: KafkaSecurity;
  schemaRegistryUrl: string;
  /** The registry's basic credentials, if it needs them. */
  schemaRegistryAuth?: RegistryAuth | undefined;
  /** See platformSettings for each of these; absent → its default there. */
  consumerMaxAttempts?: number;
  consumerStallAfterMs?: number;
  consumerFetchWaitMs?: number;
  consumerFetchMinBytes?: number;
  consumerLingerMs?: number;
  outboxLingerMs?: number;
  readyRelayFailingMs?: number;
  readyOutboxAgeMs?: number;
  readyStalledPartitionMs?: number;
  inboxRetentionMs?: number;
  outboxRetainPublishedMs?: number;
  /** LOG_PERSONAL_DATA: said in the start-up line, so a log that shows personal data says so. */
  logPersonalData?: boolean;
  /** OpenTelemetry (OTEL_* variables); absent → off. */
  tracing?: TraceSettings;
}

/** A codec of an event the service publishes: the relay sends it, and start-up resolves its schema id first. */
export type PublishedCodec = OutboxCodec & { schemaId(): Promise<unknown> };

/** The slice of a service's Prisma client the runtime uses. */
export interface ServiceDb extends SqlExecutor {
  $disconnect(): Promise<void>;
}

/** What a service hands the runtime: its config, its clients, its subscriptions, its routes and the codecs it publishes. */
export interface ServiceRuntimeOptions {
  /** Names the service in its log lines (`<name> service listening`); config.serviceName may be overridden per instance. */
  name: string;
  config: ServiceRuntimeConfig;
  logger: Logger;
  db: ServiceDb;
  /** When the service uses Redis: checked by /ready and quit after the producer, before the database. */
  redis?: Redis | undefined;
  /** Handled in the runtime's consumer transactions (pg, on their own pool: the consumer's partitions + 2 connections). */
  subscriptions: readonly Subscription<SqlTransaction>[];
  routes: HttpAppOptions['routes'];
  /** Who may call each route `routes` mounts (the kit's /health, /ready, /metrics are added); see auth/access.ts. */
  access: readonly AccessRule[];
  /** Published by the outbox relay; each schema id is resolved before anything else starts, so a missing schema fails start-up. */
  publishes: readonly PublishedCodec[];
  /** Consumer group (default: config.serviceName). Tests use their own group. */
  groupId?: string | undefined;
  /**
   * Handle only the orders this accepts; other events are acknowledged (inbox row, offset) without effect.
   * For tests that run an instance beside a live stack on the same topics.
   */
  acceptOrder?: ((orderId: string) => boolean) | undefined;
  /** Runs after the schema ids resolved and before Kafka connects (e.g. seeding reference data). */
  beforeStart?: (() => Promise<void>) | undefined;
  /** Extra fields of the `listening` log line. */
  logFields?: Record<string, unknown> | undefined;
  /** JSON body limit of the HTTP app (express syntax; default the HTTP kit's '64kb'). */
  bodyLimit?: string | undefined;
  /** Partitions the consumer handles at once (default the consumer's DEFAULT_CONSUMER_CONCURRENCY). */
  concurrency?: number | undefined;
  /** Creates each subscribed topic's missing `<topic>.DLT` (one partition) once the admin connected. */
  ensureDeadLetterTopics?: boolean | undefined;
  /**
   * false: a published schema id that does not resolve is logged (after the producer connected) and
   * start-up goes on, the relay retrying it; default true fails start-up before anything connects.
   */
  requirePublishedSchemas?: boolean | undefined;
  /** Tables of the service whose rows expire (e.g. idempotency keys); the inbox is always pruned. */
  prune?: readonly PruneRule[] | undefined;
  /** The registry /metrics serves, when the service declares metrics of its own in it first (default: a new one). */
  metrics?: Registry | undefined;
}

/** A started service: its port and how to stop it. */
export interface StartedService extends RunningService {
  port: number;
}

/** A service's runtime, assembled but not started. */
export interface ServiceRuntime {
  http: Express;
  metrics: Registry;
  kafka: Kafka;
  admin: Admin;
  /** Resolves the published schema ids, runs `beforeStart`, then starts relay, consumer and listener. */
  start: () => Promise<StartedService>;
}

/** The options every service's `createApp(config, opts)` takes, for tests and embedding. */
export interface ServiceAppOptions {
  logger?: Logger;
  /** Consumer group (default: the service name). Tests use their own group. */
  groupId?: string;
  /**
   * Handle only the orders this accepts; other events are acknowledged without effect. For tests that run
   * an instance beside a live stack on the same topics, so the instance never reacts to real orders.
   */
  acceptOrder?: (orderId: string) => boolean;
}

/** What a service's `createApp` returns: assembled, not started; `db` is its Prisma client. */
export interface AssembledService<Db> {
  http: Express;
  db: Db;
  start(): Promise<StartedService>;
}

/**
 * Wraps a subscription so events of orders `accept` rejects are acknowledged without effect: the inbox row
 * and the offset are still recorded, the handler never runs. Events of no order (reference data such as
 * catalog_price_set) are always handled: they change no order, and a test instance needs them too.
 */
export function scopeToOrders<Tx>(
  subscription: Subscription<Tx>,
  accept: (orderId: string) => boolean,
): Subscription<Tx> {
  return {
    topic: subscription.topic,
    decode: (bytes) => subscription.decode(bytes),
    async handle(items, tx) {
      const accepted = items.map((i) => i.event.orderId === undefined || accept(i.event.orderId));
      const handled = items.filter((_, n) => accepted[n]);
      const results = handled.length > 0 ? await subscription.handle(handled, tx) : [];
      let next = 0;
      return items.map((_, n) => (accepted[n] ? results[next++] : []));
    },
  };
}

/** One named step of a shutdown (see `stopAll`). */
export type StopStep = [name: string, stop: () => Promise<unknown>];

/** The clients a running service holds, in the order they are stopped. */
export interface StopTargets {
  http: { close: () => Promise<void> };
  consumer: { stop: () => Promise<void> };
  relay: { stop: () => Promise<void> };
  pruner?: { stop: () => Promise<void> } | undefined;
  producer: { disconnect: () => Promise<void> };
  admin: { disconnect: () => Promise<void> };
  redis: { quit: () => Promise<unknown> } | undefined;
  db: { $disconnect: () => Promise<void> };
  /** The consumer transactions' pool, closed after the database client. */
  consumerPool?: { end: () => Promise<void> } | undefined;
  /** Tracing: stopped last, so the spans of the shutdown's own work are exported too. */
  tracing?: { shutdown: () => Promise<void> } | undefined;
}

/**
 * The shutdown order: stop accepting HTTP → let the consumer finish in-flight events → stop the relay →
 * disconnect the producer (the consumer and relay used it) and the admin → quit Redis → disconnect the database.
 */
export function stopSteps(t: StopTargets): StopStep[] {
  const { redis } = t;
  const steps: StopStep[] = [
    ['http', () => t.http.close()],
    ['consumer', () => t.consumer.stop()],
    ['outbox relay', () => t.relay.stop()],
    ...(t.pruner === undefined ? [] : ([['pruner', () => t.pruner!.stop()]] as StopStep[])),
    ['producer', () => t.producer.disconnect()],
    ['kafka admin', () => t.admin.disconnect()],
  ];
  if (redis !== undefined) steps.push(['redis', () => redis.quit()]);
  steps.push(['database', () => t.db.$disconnect()]);
  const { consumerPool } = t;
  if (consumerPool !== undefined) steps.push(['consumer database pool', () => consumerPool.end()]);
  const { tracing } = t;
  if (tracing !== undefined) steps.push(['tracing', () => tracing.shutdown()]);
  return steps;
}

/**
 * Assembles what every service runs around its domain: metrics, Kafka client and admin, the HTTP app
 * with /ready checks (database, Redis when given, Kafka, registry), and on `start()` the producer, the
 * outbox relay, the consumer and the listener; `stop()` closes them in `stopSteps` order.
 */
export function createServiceRuntime(opts: ServiceRuntimeOptions): ServiceRuntime {
  const { config, logger, db, redis } = opts;
  const metrics = opts.metrics ?? createMetricsRegistry(config.serviceName);
  const kafka = createKafka({
    clientId: config.serviceName,
    brokers: config.kafkaBrokers,
    logger,
    security: config.kafkaSecurity,
  });
  const admin = kafka.admin();
  let consumer: ConsumerRunner<SqlTransaction> | undefined;
  // The consumer's transactions run on their own pool: a burst of events never starves HTTP reads.
  const concurrency = opts.concurrency ?? DEFAULT_CONSUMER_CONCURRENCY;
  // One joined transaction at a time; more connections only when chunks are retried alone (after a
  // joined transaction failed, or while a partition splits a chunk down to a bad event).
  const consumerPool = databasePool(config.databaseUrl, { poolSize: Math.min(concurrency, 6) + 2, logger });
  let relay: OutboxRelay | undefined;
  // A misconfigured key source throws a ConfigError here, before anything connects.
  const verifier = verifierFromConfig(config);
  // The rate limit's counters: on the service's Redis, or on a client of its own (not a /ready check:
  // the limit fails open, so Redis being down must not make the service unready).
  const limiterRedis =
    config.rateLimitPerMinute === 0 ? undefined : (redis ?? ownRedis(config.redisUrl, logger));
  const http = createHttpApp({
    logger,
    metrics,
    readiness: [
      databaseCheck(db),
      ...(redis === undefined ? [] : [redisCheck(redis)]),
      kafkaCheck(admin),
      registryCheck(config.schemaRegistryUrl, config.schemaRegistryAuth),
      consumerCheck(() => consumer, { stalledMs: config.readyStalledPartitionMs ?? 60_000 }),
      relayCheck(() => relay, {
        failingMs: config.readyRelayFailingMs ?? 30_000,
        maxAgeMs: config.readyOutboxAgeMs ?? 60_000,
      }),
    ],
    routes: opts.routes,
    auth: {
      verifier,
      access: opts.access,
      rateLimiter:
        limiterRedis === undefined
          ? undefined
          : redisRateLimiter(limiterRedis, {
              service: config.serviceName,
              perMinute: config.rateLimitPerMinute,
              logger,
            }),
    },
    ...(opts.bodyLimit === undefined ? {} : { bodyLimit: opts.bodyLimit }),
  });
  const accept = opts.acceptOrder;
  const subscriptions = accept ? opts.subscriptions.map((s) => scopeToOrders(s, accept)) : opts.subscriptions;

  async function start(): Promise<StartedService> {
    // A registry URL that is not a registry (e.g. Apicurio without /apis/ccompat/v7) would make every
    // schema lookup a 404: refuse to start, saying what to set, instead of dead-lettering everything.
    const t0 = Date.now();
    const step = (what: string): void =>
      logger.info({ step: what, elapsedMs: Date.now() - t0 }, `start-up: ${what}`);
    // First: spans are made from the first request and message on (nothing is loaded while it is off).
    const tracing = await startTracing(config.tracing ?? tracingOff(config.serviceName), logger);
    // A dependency that is down or restarting at start-up (the registry answering 500 while its
    // database restarts) is waited for, with a log line per attempt; a misconfiguration fails at once.
    await verifier.ready;
    step('token keys loaded');
    await untilAvailable(logger, 'the schema registry', () =>
      verifyRegistry(
        config.schemaRegistryUrl,
        config.schemaRegistryAuth === undefined ? {} : { auth: config.schemaRegistryAuth },
      ),
    );
    step('schema registry answers');
    const requireSchemas = opts.requirePublishedSchemas ?? true;
    if (requireSchemas)
      await untilAvailable(logger, 'the published schemas', () =>
        Promise.all(opts.publishes.map((codec) => codec.schemaId())),
      );
    await opts.beforeStart?.();
    await admin.connect();
    step('kafka connected');
    if (opts.ensureDeadLetterTopics === true) {
      await ensureTopics(
        admin,
        subscriptions.map((s) => ({ topic: `${s.topic}.DLT`, numPartitions: 1 })),
      );
    }
    const producer = new ManagedProducer(kafka, logger, metrics);
    await producer.connect();
    step('producer connected');
    if (!requireSchemas) {
      // Not fatal here: the relay retries, and /ready shows the registry; but a missing schema is worth saying early.
      await Promise.all(
        opts.publishes.map((codec) =>
          codec
            .schemaId()
            .catch((err: unknown) =>
              logger.warn({ err }, `${codec.topic} schema not resolvable yet; the outbox relay will retry`),
            ),
        ),
      );
    }
    relay = new OutboxRelay({
      databaseUrl: config.databaseUrl,
      producer,
      codecs: opts.publishes,
      logger,
      metrics,
      ...(config.outboxRetainPublishedMs === undefined
        ? {}
        : { retainPublishedMs: config.outboxRetainPublishedMs }),
      ...(config.outboxLingerMs === undefined ? {} : { lingerMs: config.outboxLingerMs }),
    });
    await relay.start();
    step('outbox relay started');
    consumer = new ConsumerRunner<SqlTransaction>({
      kafka,
      groupId: opts.groupId ?? config.serviceName,
      subscriptions,
      transaction: sqlTransactions(consumerPool),
      producer,
      logger,
      metrics,
      maxAttempts: config.consumerMaxAttempts ?? 5,
      ...(config.consumerStallAfterMs === undefined ? {} : { stallAfterMs: config.consumerStallAfterMs }),
      ...(config.consumerFetchWaitMs === undefined ? {} : { fetchWaitMs: config.consumerFetchWaitMs }),
      ...(config.consumerFetchMinBytes === undefined ? {} : { fetchMinBytes: config.consumerFetchMinBytes }),
      ...(config.consumerLingerMs === undefined ? {} : { lingerMs: config.consumerLingerMs }),
      concurrency,
    });
    await consumer.start();
    step('consumer subscribed (joining its group)');
    const startedConsumer = consumer;
    const startedRelay = relay;
    const pruner = new Pruner(
      db,
      [
        { table: 'inbox', column: 'processed_at', retainMs: config.inboxRetentionMs ?? 8 * 86_400_000 },
        ...(opts.prune ?? []),
      ],
      logger,
    );
    pruner.start();
    const server = await listen(http, config.port, config.bindAddress);
    logger.info(
      {
        port: server.port,
        host: server.host,
        logPersonalData: config.logPersonalData === true,
        kafka: describeKafkaSecurity(config.kafkaSecurity ?? PLAINTEXT),
        ...opts.logFields,
      },
      `${opts.name} service listening`,
    );
    return {
      port: server.port,
      stop: () =>
        stopAll(logger, [
          ...stopSteps({
            http: server,
            consumer: startedConsumer,
            relay: startedRelay,
            pruner,
            producer,
            admin,
            redis,
            db,
            consumerPool,
            tracing,
          }),
          ...(limiterRedis === undefined || limiterRedis === redis
            ? []
            : ([['rate limit redis', () => limiterRedis.quit()]] as StopStep[])),
        ]),
    };
  }

  return { http, metrics, kafka, admin, start };
}

/** A Redis client of the runtime's own (for the rate limit), its connection errors logged at debug. */
function ownRedis(url: string, logger: Logger): Redis {
  const client = createRedis(url);
  // ioredis reconnects by itself; the limiter logs the outage (throttled) when it fails open.
  client.on('error', (err: Error) =>
    logger.debug({ err, component: 'rate-limit' }, 'redis connection error'),
  );
  return client;
}

/**
 * Runs `attempt` until it succeeds, while its failure is an outage (classifyFailure: transient), for at
 * most `timeoutMs` (default 120 s); any other failure, or the deadline, throws the last error.
 */
export async function untilAvailable<T>(
  logger: Logger,
  what: string,
  attempt: () => Promise<T>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (classifyFailure(err) !== 'transient' || isMisconfiguration(err) || Date.now() > deadline) throw err;
      const delay = backoffDelay(n, { initialMs: 500, maxMs: 5_000 });
      logger.warn({ err, retryInMs: delay }, `start-up: waiting for ${what}`);
      await sleep(delay);
    }
  }
}

function isMisconfiguration(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === 'MISCONFIGURED';
}

/**
 * A service's entry point: loads its config, logs as `config.serviceName` and runs `start` under
 * `runService`; an error before that (e.g. a ConfigError) prints `<name>: <message>` and exits 1.
 */
export function serviceMain<
  C extends { serviceName: string; logLevel: string; shutdownTimeoutMs: number; logPersonalData?: boolean },
>(name: string, loadConfig: () => C, start: (config: C, logger: Logger) => Promise<RunningService>): void {
  const main = async (): Promise<void> => {
    const config = loadConfig();
    // A bad AUTH_* combination is a configuration error: said with the others, before any logger exists.
    if ('authDevDir' in config) resolveAuth(config as unknown as AuthConfig);
    // Written asynchronously: lines logged while a write is in flight go out in one write, so a busy
    // service does not pay a write(2) per line (about 0.13 ms of CPU each here, measured by
    // bench/reports/profile.md); flushed on exit.
    const logger = serviceLogger(config, pino.destination({ dest: 1, sync: false }));
    exitOnUnhandledErrors(logger);
    await runService({
      logger,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      start: () => start(config, logger),
    });
  };
  main().catch((err: unknown) => {
    console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

/**
 * An unhandled rejection or uncaught exception leaves a service in an unknown state: log it and exit 1,
 * so the supervisor (npm start, compose, Kubernetes) restarts it and the uncommitted work is redelivered.
 */
export function exitOnUnhandledErrors(
  logger: Logger,
  exit: (code: number) => void = (c) => process.exit(c),
): void {
  const die = (kind: string) => (err: unknown) => {
    logger.fatal({ err }, `${kind}; exiting so the service restarts cleanly`);
    logger.flush();
    exit(1);
  };
  process.on('unhandledRejection', die('unhandled promise rejection'));
  process.on('uncaughtException', die('uncaught exception'));
}
