import { Cache, type Logger } from '@orderflow/platform';
import type { Redis } from 'ioredis';
import type { Db, Tx } from './db';

/** A stock level as GET /inventory/{sku} returns it (and the cache holds it). */
export interface StockView {
  sku: string;
  available: number;
  reserved: number;
  updatedAt: string;
}

/**
 * Cache-aside for stock levels, invalidated after the transaction that changed them commits (never
 * before: a reader between invalidation and commit would re-cache the old level). The platform's Cache
 * keeps a read that loaded before the commit from caching the old level after the invalidation, and
 * skips a sick Redis instead of slowing reservations.
 */
export class StockCache {
  private readonly cache: Cache;
  private readonly changed = new WeakMap<object, Set<string>>();

  constructor(
    private readonly db: Db,
    redis: Redis,
    opts: { ttlSeconds: number; logger: Logger },
  ) {
    this.cache = new Cache(redis, {
      prefix: 'inventory:stock:',
      ttlSeconds: opts.ttlSeconds,
      logger: opts.logger,
    });
  }

  /** The stock level of `sku`, from Redis or the database; undefined for an unknown SKU. */
  get(sku: string): Promise<StockView | undefined> {
    return this.cache.getOrLoad<StockView>(sku, async () => {
      const s = await this.db.stock.findUnique({ where: { sku } });
      return s
        ? { sku: s.sku, available: s.available, reserved: s.reserved, updatedAt: s.updatedAt.toISOString() }
        : undefined;
    });
  }

  /** Notes that `tx` changed these SKUs: they are dropped from the cache once it committed (never before). */
  touch(tx: Tx, skus: Iterable<string>): void {
    let set = this.changed.get(tx);
    if (!set) {
      const touched = new Set<string>();
      this.changed.set(tx, touched);
      tx.afterCommit(() => this.invalidate(touched));
      set = touched;
    }
    for (const sku of skus) set.add(sku);
  }

  /** Drops the cached levels of `skus`; call it once the transaction that changed them committed. */
  async invalidate(skus: Iterable<string>): Promise<void> {
    await this.cache.invalidateMany(skus);
  }
}
