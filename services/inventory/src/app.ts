import { SchemaRegistryClient } from '@orderflow/codec';
import { catalogPriceSet, inventoryUpdated, orderExpired, paymentSuccessful } from '@orderflow/contracts';
import {
  serviceLogger,
  createRedis,
  createServiceRuntime,
  prismaTransactions,
  on,
  onBatch,
  type AssembledService,
  type ServiceAppOptions,
  type StartedService,
} from '@orderflow/platform';
import { ACCESS } from './access';
import type { InventoryConfig } from './config';
import { createDb, type Db } from './db';
import { gettingStockRoute } from './getting-stock/route';
import { releaseStock } from './releasing-stock/handler';
import { reserveStock } from './reserving-stock/handler';
import { restockingRoute } from './restocking/route';
import { seedStock } from './seed';
import { settingPricesRoute } from './setting-prices/route';
import { StockCache } from './stock-cache';

/** Overrides for tests and embedding. */
export type InventoryAppOptions = ServiceAppOptions;

/** A started inventory service. */
export type StartedInventoryService = StartedService;

/** The inventory service, assembled but not started. */
export type InventoryService = AssembledService<Db>;

/**
 * Assembles the inventory service: payment_successful → reserve all lines or none; order_expired →
 * release; GET /inventory/{sku}; restock; the catalog's prices (set → catalog_price_set).
 */
export function createApp(config: InventoryConfig, opts: InventoryAppOptions = {}): InventoryService {
  const logger = opts.logger ?? serviceLogger(config);
  const db = createDb(config.databaseUrl, config.databasePoolSize);
  const redis = createRedis(config.redisUrl);
  // Without a listener ioredis reports connection errors as unhandled; the cache already degrades to the database.
  redis.on('error', (err: Error) => logger.debug({ err }, 'redis connection error'));
  const cache = new StockCache(db, redis, { ttlSeconds: config.stockCacheTtlSeconds, logger });
  const registry = new SchemaRegistryClient({
    url: config.schemaRegistryUrl,
    ...(config.schemaRegistryAuth === undefined ? {} : { auth: config.schemaRegistryAuth }),
  });
  // Production never registers schemas itself (`npm run schema -- register` does); start-up then fails if they are missing.
  const autoRegister = config.environment !== 'production';
  const publishes = {
    inventoryUpdated: inventoryUpdated.codec(registry, { autoRegister }),
    catalogPriceSet: catalogPriceSet.codec(registry, { autoRegister }),
  };
  // The routes' transactions; stock levels a transaction touched are dropped from the cache once it committed.
  const transaction = prismaTransactions(db);
  const runtime = createServiceRuntime({
    name: 'inventory',
    config,
    logger,
    db,
    redis,
    subscriptions: [
      onBatch(paymentSuccessful, registry, reserveStock(publishes.inventoryUpdated, cache)),
      on(orderExpired, registry, releaseStock(cache)),
    ],
    access: ACCESS,
    routes: (app) => {
      gettingStockRoute(app, { cache });
      restockingRoute(app, { cache, transaction, allowSetStock: config.allowSetStock });
      settingPricesRoute(app, { db, transaction, catalogPriceSet: publishes.catalogPriceSet });
    },
    publishes: Object.values(publishes),
    groupId: opts.groupId,
    acceptOrder: opts.acceptOrder,
    beforeStart: async () => {
      if (!config.seedStock) return;
      const inserted = await seedStock(transaction, publishes.catalogPriceSet);
      if (inserted.skus + inserted.prices > 0) logger.info(inserted, 'seeded stock and prices');
    },
    logFields: { allowSetStock: config.allowSetStock },
  });

  return { http: runtime.http, db, start: runtime.start };
}
