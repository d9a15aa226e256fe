// The order service: its clients, codecs, saga subscriptions and the three use-case routes (validated
// against the OpenAPI document); the platform's service runtime does the rest (Kafka, outbox relay,
// consumer, HTTP kit with /ready, shutdown order). Nothing connects until `start()` (see main.ts).
import { SchemaRegistryClient } from '@orderflow/codec';
import { orderCreated, orderExpired, topicsConsumedBy } from '@orderflow/contracts';
import {
  serviceLogger,
  createMetricsRegistry,
  createRedis,
  createServiceRuntime,
  databasePool,
  type AssembledService,
  type ServiceAppOptions,
  type StartedService,
} from '@orderflow/platform';
import { ACCESS } from './access';
import type { OrderConfig } from './config';
import { createDbOn, type OrderDb } from './db';
import { OrderExpirySweeper } from './expiring-orders/sweeper';
import { OrderChanges } from './getting-order/order-changes';
import { gettingOrderRoute } from './getting-order/route';
import { OpenApiValidator } from './http/openapi-validator';
import { listingOrdersRoute } from './listing-orders/route';
import { OrderCache } from './order-cache';
import { OpenSagas } from './placing-order/open-sagas';
import { placingOrderRoute } from './placing-order/route';
import { RememberedPrices } from './placing-order/remembered-prices';
import { catalogSubscription } from './recording-prices/handler';
import { sagaMetrics } from './saga-metrics';
import { sagaSubscriptions } from './tracking-saga/handler';

/** The order service, assembled but not started. */
export type OrderService = AssembledService<OrderDb>;

/**
 * Assembles the order service: POST/GET /orders (lines priced from the catalog read model), GET
 * /orders/{id} (Redis-cached), the saga tracker and its deadline sweeper, the catalog read model.
 */
export function createApp(config: OrderConfig, opts: ServiceAppOptions = {}): OrderService {
  const logger = opts.logger ?? serviceLogger(config);
  const validator = OpenApiValidator.fromFile(config.openApiPath);
  // Prisma and GET /orders/{id}'s one-statement read share the read pool.
  const reads = databasePool(config.databaseUrl, { poolSize: config.databasePoolSize, logger });
  const prisma = createDbOn(reads);
  // POST /orders writes on its own pool: a backlog of saga events never holds a customer's request.
  const writes = databasePool(config.databaseUrl, { poolSize: config.writePoolSize, logger });
  const redis = createRedis(config.redisUrl);
  // ioredis reconnects by itself; without a listener every failed attempt would be an unhandled error.
  redis.on('error', (err: Error) => logger.warn({ err, component: 'redis' }, 'redis connection error'));
  // GET /orders/{id}?wait=N: the reads held until their order changes, woken by every cache invalidation.
  const changes = new OrderChanges({
    maxWaiters: config.maxWaitingReads,
    recheckMs: config.waitRecheckMs,
    logger: logger.child({ component: 'order-changes' }),
  });
  const cache = new OrderCache(redis, { ttlSeconds: config.cacheTtlSeconds, logger, changes });

  const registry = new SchemaRegistryClient({
    url: config.schemaRegistryUrl,
    ...(config.schemaRegistryAuth === undefined ? {} : { auth: config.schemaRegistryAuth }),
  });
  // Production never registers schemas itself (`npm run schema -- register` does).
  const autoRegister = config.environment !== 'production';
  const publishes = {
    orderCreated: orderCreated.codec(registry, { autoRegister }),
    orderExpired: orderExpired.codec(registry, { autoRegister }),
  };
  // The saga metrics are declared in the registry the runtime's /metrics serves.
  const metrics = createMetricsRegistry(config.serviceName);
  const saga = sagaMetrics(metrics);
  const subscriptions = [
    ...sagaSubscriptions(registry, { cache, metrics: saga, changes }),
    catalogSubscription(registry),
  ];
  const consumed = new Set<string>(topicsConsumedBy('order'));
  for (const s of subscriptions) {
    if (!consumed.has(s.topic))
      throw new Error(
        `the order service consumes ${s.topic}, but schemas/topics.json does not list order as its consumer`,
      );
  }

  const openSagas = new OpenSagas(reads, {
    max: config.maxOpenSagas,
    logger: logger.child({ component: 'open-sagas' }),
  });
  const deps = {
    prisma,
    reads,
    writes,
    openSagas,
    writeQueueLimit: config.writeQueueLimit,
    writeMaxWaitMs: config.writeMaxWaitMs,
    cache,
    changes,
    orderCreated: publishes.orderCreated,
    prices: new RememberedPrices(),
    validator,
  };
  const runtime = createServiceRuntime({
    name: 'order',
    config,
    logger,
    db: prisma,
    redis,
    subscriptions,
    access: ACCESS,
    routes: (app) => {
      placingOrderRoute(app, deps);
      listingOrdersRoute(app, deps);
      gettingOrderRoute(app, deps);
    },
    publishes: Object.values(publishes),
    groupId: opts.groupId ?? config.consumerGroup,
    acceptOrder: opts.acceptOrder,
    bodyLimit: config.bodyLimit,
    ensureDeadLetterTopics: true,
    // The relay retries an unresolvable order_created schema, and /ready shows the registry.
    requirePublishedSchemas: false,
    // An Idempotency-Key is honoured for a day (clients retry within minutes); then it may be reused.
    metrics,
    prune: [
      { table: 'idempotency_keys', column: 'created_at', retainMs: config.idempotencyKeyRetentionMs },
      // An event deferred until what it depends on arrives is decided within the saga's deadline; one still
      // here after the inbox's retention (forged, or for an order that expired) can never be applied.
      { table: 'order_deferred_events', column: 'deferred_at', retainMs: config.inboxRetentionMs },
    ],
    logFields: { consumes: subscriptions.map((s) => s.topic), sagaDeadlineMs: config.sagaDeadlineMs },
  });
  const sweeper = new OrderExpirySweeper(
    {
      prisma,
      cache,
      metrics: saga,
      orderExpired: publishes.orderExpired,
      logger: logger.child({ component: 'saga-deadline' }),
    },
    {
      deadlineMs: config.sagaDeadlineMs,
      intervalMs: config.expirySweepIntervalMs,
      batchSize: config.expiryBatchSize,
    },
  );

  // The sweeper runs once everything else is up, and stops first: its last transaction commits (or
  // rolls back) before the relay and the database go away.
  const start = async (): Promise<StartedService> => {
    const running = await runtime.start();
    changes.listen(redis);
    await openSagas.start();
    sweeper.start();
    return {
      ...running,
      stop: async () => {
        // Held reads answer with the order as it is now, so the HTTP drain does not wait out their timeouts.
        await changes.stop();
        await sweeper.stop();
        await openSagas.stop();
        await running.stop();
        await writes.end();
      },
    };
  };
  return { http: runtime.http, db: prisma, start };
}
