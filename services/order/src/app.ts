// The order service: its clients, codecs, saga subscriptions and the three use-case routes (validated
// against the OpenAPI document); the platform's service runtime does the rest (Kafka, outbox relay,
// consumer, HTTP kit with /ready, shutdown order). Nothing connects until `start()` (see main.ts).
import { SchemaRegistryClient } from '@orderflow/codec';
import {
  inventoryUpdatedCodec,
  notificationSentCodec,
  orderCreatedCodec,
  paymentFailedCodec,
  paymentRefundedCodec,
  paymentSuccessfulCodec,
  topicsConsumedBy,
} from '@orderflow/contracts';
import {
  createLogger,
  createRedis,
  createServiceRuntime,
  type AssembledService,
  type ServiceAppOptions,
} from '@orderflow/platform';
import type { OrderConfig } from './config';
import { createDb, orderTransactions, type OrderDb, type OrderTx } from './db';
import { gettingOrderRoute } from './getting-order/route';
import { databaseErrors } from './http/database-errors';
import { OpenApiValidator } from './http/openapi-validator';
import { listingOrdersRoute } from './listing-orders/route';
import { OrderCache } from './order-cache';
import { placingOrderRoute } from './placing-order/route';
import { sagaSubscriptions } from './tracking-saga/subscriptions';

/** The order service, assembled but not started. */
export type OrderService = AssembledService<OrderDb>;

/** Assembles the order service: POST/GET /orders, GET /orders/{id} (Redis-cached), and the saga tracker. */
export function createApp(config: OrderConfig, opts: ServiceAppOptions = {}): OrderService {
  const logger = opts.logger ?? createLogger({ service: config.serviceName, level: config.logLevel });
  const validator = OpenApiValidator.fromFile(config.openApiPath);
  const prisma = createDb(config.databaseUrl, config.databasePoolSize);
  const redis = createRedis(config.redisUrl);
  // ioredis reconnects by itself; without a listener every failed attempt would be an unhandled error.
  redis.on('error', (err: Error) => logger.warn({ err, component: 'redis' }, 'redis connection error'));
  const cache = new OrderCache(redis, { ttlSeconds: config.cacheTtlSeconds, logger });

  const registry = new SchemaRegistryClient({ url: config.schemaRegistryUrl });
  const orderCreated = orderCreatedCodec(registry, { autoRegister: config.environment !== 'production' });
  const codecs = {
    paymentSuccessful: paymentSuccessfulCodec(registry),
    paymentFailed: paymentFailedCodec(registry),
    inventoryUpdated: inventoryUpdatedCodec(registry),
    notificationSent: notificationSentCodec(registry),
    paymentRefunded: paymentRefundedCodec(registry),
  };
  const subscriptions = sagaSubscriptions(codecs, cache);
  const consumed = new Set<string>(topicsConsumedBy('order'));
  for (const s of subscriptions) {
    if (!consumed.has(s.topic))
      throw new Error(
        `the order service consumes ${s.topic}, but schemas/topics.json does not list order as its consumer`,
      );
  }

  const deps = { prisma, cache, orderCreated, validator };
  const runtime = createServiceRuntime<OrderTx>({
    name: 'order',
    config,
    logger,
    db: prisma,
    redis,
    // Saga handlers drop cache entries only after their transaction committed (see orderTransactions).
    transaction: orderTransactions(prisma),
    subscriptions,
    routes: (app) => {
      placingOrderRoute(app, deps);
      listingOrdersRoute(app, deps);
      gettingOrderRoute(app, deps);
      app.use(databaseErrors);
    },
    publishes: [orderCreated],
    groupId: opts.groupId ?? config.consumerGroup,
    acceptOrder: opts.acceptOrder,
    bodyLimit: config.bodyLimit,
    concurrency: 6,
    ensureDeadLetterTopics: true,
    // The relay retries an unresolvable order_created schema, and /ready shows the registry.
    requirePublishedSchemas: false,
    logFields: { consumes: subscriptions.map((s) => s.topic) },
  });

  return { http: runtime.http, db: prisma, start: runtime.start };
}
