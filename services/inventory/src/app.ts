import { SchemaRegistryClient } from '@orderflow/codec';
import { inventoryUpdated, paymentSuccessful, type PaymentSuccessful } from '@orderflow/contracts';
import {
  createLogger,
  createRedis,
  createServiceRuntime,
  on,
  type AssembledService,
  type ServiceAppOptions,
  type StartedService,
} from '@orderflow/platform';
import type { InventoryConfig } from './config';
import { createDb, type Db, type Tx } from './db';
import { gettingStock } from './getting-stock/get-stock';
import { reserveStock } from './reserving-stock/reserve-stock';
import { restocking } from './restocking/restock';
import { seedStock } from './seed';
import { StockCache } from './stock-cache';

/** Overrides for tests and embedding. */
export type InventoryAppOptions = ServiceAppOptions;

/** A started inventory service. */
export type StartedInventoryService = StartedService;

/** The inventory service, assembled but not started. */
export type InventoryService = AssembledService<Db>;

/** Assembles the inventory service: payment_successful → reserve all lines or none; GET /inventory/{sku}; restock. */
export function createApp(config: InventoryConfig, opts: InventoryAppOptions = {}): InventoryService {
  const logger = opts.logger ?? createLogger({ service: config.serviceName, level: config.logLevel });
  const db = createDb(config.databaseUrl);
  const redis = createRedis(config.redisUrl);
  // Without a listener ioredis reports connection errors as unhandled; the cache already degrades to the database.
  redis.on('error', (err: Error) => logger.debug({ err }, 'redis connection error'));
  const cache = new StockCache(db, redis, { ttlSeconds: config.stockCacheTtlSeconds, logger });
  const registry = new SchemaRegistryClient({ url: config.schemaRegistryUrl });
  // Production never registers schemas itself (`npm run schema -- register` does); start-up then fails if they are missing.
  const codecs = {
    paymentSuccessful: paymentSuccessful.codec(registry),
    inventoryUpdated: inventoryUpdated.codec(registry, { autoRegister: config.environment !== 'production' }),
  };
  const runtime = createServiceRuntime<Tx>({
    name: 'inventory',
    config,
    logger,
    db,
    redis,
    transaction: (fn) => cache.transaction(fn),
    subscriptions: [
      on<PaymentSuccessful, Tx>(codecs.paymentSuccessful, reserveStock(codecs.inventoryUpdated, cache), {
        validate: (e) => paymentSuccessful.validate(e),
      }),
    ],
    routes: (app) => {
      gettingStock(cache)(app);
      restocking(cache, { allowSetStock: config.allowSetStock })(app);
    },
    publishes: [codecs.inventoryUpdated],
    groupId: opts.groupId,
    acceptOrder: opts.acceptOrder,
    beforeStart: async () => {
      if (!config.seedStock) return;
      const inserted = await seedStock(db);
      if (inserted > 0) logger.info({ inserted }, 'seeded stock');
    },
    logFields: { allowSetStock: config.allowSetStock },
  });

  return { http: runtime.http, db, start: runtime.start };
}
