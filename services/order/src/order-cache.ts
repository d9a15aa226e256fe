// GET /orders/{id} cache-aside in Redis, safe against the classic race of cache-aside: a read that
// loaded the order BEFORE a change committed must not write that stale copy AFTER the change dropped
// the entry. Each order has a generation counter; invalidation bumps it, and a load is cached only if
// the generation is still the one seen before loading (checked and set atomically in Redis).
import type { Redis } from 'ioredis';
import type { Logger } from '@orderflow/platform';

const SET_IF_GENERATION = `
local current = redis.call('GET', KEYS[2]) or ''
if current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0`;

/** Cache of order views by id. Redis failures are logged and act as misses: slower, never failed requests. */
export class OrderCache {
  private readonly log: Logger;

  constructor(
    private readonly redis: Redis,
    private readonly opts: { ttlSeconds: number; logger: Logger; prefix?: string },
  ) {
    this.log = opts.logger.child({ component: 'order-cache' });
  }

  private keys(id: string): [value: string, generation: string] {
    const base = `${this.opts.prefix ?? 'orderflow:order:'}${id}`;
    return [base, `${base}:gen`];
  }

  /** The cached view of order `id`, or `load()`'s result (cached unless undefined or changed meanwhile). */
  async getOrLoad<T>(
    id: string,
    load: () => Promise<T | undefined>,
  ): Promise<{ value: T | undefined; hit: boolean }> {
    const [key, genKey] = this.keys(id);
    let generation: string | undefined;
    try {
      const [hit, gen] = await this.redis.mget(key, genKey);
      if (hit !== null && hit !== undefined) return { value: JSON.parse(hit) as T, hit: true };
      generation = gen ?? '';
    } catch (err) {
      this.log.warn({ err, key }, 'cache read failed; reading the database');
    }
    const value = await load();
    if (value !== undefined && generation !== undefined) {
      try {
        await this.redis.eval(
          SET_IF_GENERATION,
          2,
          key,
          genKey,
          generation,
          JSON.stringify(value),
          String(this.opts.ttlSeconds),
        );
      } catch (err) {
        this.log.warn({ err, key }, 'cache write failed; continuing without caching');
      }
    }
    return { value, hit: false };
  }

  /** Drops order `id` and bumps its generation; call after the change has committed. */
  async invalidate(id: string): Promise<void> {
    const [key, genKey] = this.keys(id);
    try {
      // The generation outlives any entry cached under it, so a slow reader cannot reuse an expired one.
      await this.redis
        .multi()
        .incr(genKey)
        .expire(genKey, this.opts.ttlSeconds * 2 + 60)
        .del(key)
        .exec();
    } catch (err) {
      this.log.warn({ err, key }, 'cache invalidation failed; the entry expires with its TTL');
    }
  }
}
