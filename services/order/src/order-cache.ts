// GET /orders/{id} cache-aside in Redis. The platform's Cache does the work: a read that loaded the order
// BEFORE a change committed never caches that stale copy AFTER the change dropped the entry (per-key
// generations), and a sick Redis is skipped after one short timeout instead of slowing every request.
import type { Redis } from 'ioredis';
import { Cache, type Logger } from '@orderflow/platform';

/** Cache of order views by id. Redis failures are logged and act as misses: slower, never failed requests. */
export class OrderCache {
  private readonly cache: Cache;

  constructor(redis: Redis, opts: { ttlSeconds: number; logger: Logger; prefix?: string }) {
    this.cache = new Cache(redis, {
      prefix: opts.prefix ?? 'orderflow:order:',
      ttlSeconds: opts.ttlSeconds,
      logger: opts.logger,
    });
  }

  /** The cached view of order `id`, or `load()`'s result (cached unless undefined or changed meanwhile). */
  getOrLoad<T>(
    id: string,
    load: () => Promise<T | undefined>,
  ): Promise<{ value: T | undefined; hit: boolean }> {
    return this.cache.read(id, load);
  }

  /** Drops order `id` and bumps its generation; call after the change has committed. */
  invalidate(id: string): Promise<void> {
    return this.cache.invalidate(id);
  }

  /** {@link invalidate} for several orders in one round trip. */
  invalidateMany(ids: Iterable<string>): Promise<void> {
    return this.cache.invalidateMany(ids);
  }
}
