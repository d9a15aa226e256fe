import { Redis } from 'ioredis';
import type { Logger } from './logger';

/** A Redis client that fails fast when Redis is down (so the cache degrades instead of hanging requests). */
export function createRedis(url: string, opts: { commandTimeoutMs?: number } = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    commandTimeout: opts.commandTimeoutMs ?? 1000,
    enableOfflineQueue: false,
    lazyConnect: false,
  });
}

/**
 * Cache-aside over Redis with JSON values and a TTL. Every Redis failure is logged and treated as a miss
 * (reads go to the loader, writes are skipped), so an outage costs latency, never a failed request.
 */
export class Cache {
  private readonly log: Logger;
  constructor(
    private readonly redis: Redis,
    private readonly opts: { prefix: string; ttlSeconds: number; logger: Logger },
  ) {
    this.log = opts.logger.child({ component: 'cache' });
  }

  /** The cached value for `key`, or `load()`'s result (cached unless undefined). */
  async getOrLoad<T>(
    key: string,
    load: () => Promise<T | undefined>,
    ttlSeconds = this.opts.ttlSeconds,
  ): Promise<T | undefined> {
    const k = this.opts.prefix + key;
    try {
      const hit = await this.redis.get(k);
      if (hit !== null) return JSON.parse(hit) as T;
    } catch (err) {
      this.log.warn({ err, key: k }, 'cache read failed; treating as a miss');
    }
    const value = await load();
    if (value !== undefined) {
      try {
        await this.redis.set(k, JSON.stringify(value), 'EX', ttlSeconds);
      } catch (err) {
        this.log.warn({ err, key: k }, 'cache write failed; continuing without caching');
      }
    }
    return value;
  }

  /** Drops `key` (call after the change that makes it stale has committed). */
  async invalidate(key: string): Promise<void> {
    try {
      await this.redis.del(this.opts.prefix + key);
    } catch (err) {
      // A stale entry lives at most its TTL.
      this.log.warn(
        { err, key: this.opts.prefix + key },
        'cache invalidation failed; entry expires with its TTL',
      );
    }
  }
}
