// GET /orders/{id} cache-aside in Redis. The platform's Cache does the work: a read that loaded the order
// BEFORE a change committed never caches that stale copy AFTER the change dropped the entry (per-key
// generations), and a sick Redis is skipped after one short timeout instead of slowing every request.
import type { Redis } from 'ioredis';
import type { ApiOrder } from '@orderflow/contracts';
import { Cache, type Logger } from '@orderflow/platform';
import { ORDER_CHANGES_CHANNEL, type OrderChanges } from './getting-order/order-changes';

/** Cache of order views by id. Redis failures are logged and act as misses: slower, never failed requests. */
export class OrderCache {
  private readonly cache: Cache;
  private readonly changes: OrderChanges | undefined;

  /** With `changes`, every invalidation also wakes the reads waiting for those orders, here and (through Redis) elsewhere. */
  constructor(
    redis: Redis,
    opts: { ttlSeconds: number; logger: Logger; prefix?: string; changes?: OrderChanges },
  ) {
    this.changes = opts.changes;
    this.cache = new Cache(redis, {
      prefix: opts.prefix ?? 'orderflow:order:',
      ttlSeconds: opts.ttlSeconds,
      logger: opts.logger,
      ...(opts.changes === undefined
        ? {}
        : { announce: { channel: ORDER_CHANGES_CHANNEL, origin: opts.changes.origin } }),
    });
  }

  /**
   * The cached view of order `id`, or `load()`'s result: cached once the order is completed (unless it
   * changed meanwhile). A view still in its saga changes within seconds, and caching it would cost a
   * write now and an invalidation at its next step; its readers mostly wait for the completion anyway.
   */
  getOrLoad<T extends { completed: boolean }>(
    id: string,
    load: () => Promise<T | undefined>,
  ): Promise<{ value: T | undefined; hit: boolean }> {
    return this.cache.read(id, load, undefined, (view) => view.completed);
  }

  /** Drops order `id` and bumps its generation; call after the change has committed. */
  invalidate(id: string): Promise<void> {
    return this.invalidateMany([id]);
  }

  /**
   * {@link invalidate} for several orders in one round trip. The reads waiting for an order wake only
   * for `opts.completed` (default: every id): a held `GET ?wait` answers once the order is completed,
   * so waking it at each earlier step only costs it a read (the saga tracker knows which changes complete).
   * `opts.views`: the committed views of some of them, which their waiters here answer without a read.
   */
  async invalidateMany(
    ids: Iterable<string>,
    opts: { completed?: Iterable<string>; views?: ReadonlyMap<string, ApiOrder> | undefined } = {},
  ): Promise<void> {
    const all = [...ids];
    const wake = opts.completed === undefined ? all : [...opts.completed];
    await this.cache.invalidateMany(all, { announce: wake });
    // After the entry is gone: a woken read loads the committed view, not the cached one (or answers
    // the committed view it is handed, `opts.views`).
    this.changes?.changed(wake, opts.views);
  }
}
