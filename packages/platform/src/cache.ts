// Cache-aside over Redis that is safe against the classic race and never makes its callers wait on a
// sick Redis.
//
// The race: a read misses, loads the row BEFORE a change commits, and writes that stale copy AFTER the
// change dropped the entry; it then lives for a whole TTL. Each key therefore has a generation counter
// that invalidation bumps, and a load is cached only if the generation is still the one the read saw
// before loading (compared and set atomically in one Lua script).
//
// A hung or unreachable Redis must cost a request or a consumer at most one short timeout, not one per
// call: after a failure a circuit breaker (one per Redis client) skips Redis for a few seconds, then
// lets a single call try again. An outage is logged when the breaker opens, not per call.
import { Redis } from 'ioredis';
import type { Logger } from './logger';

/** Default per-command timeout of createRedis: long enough for a healthy Redis, short enough to fail open. */
export const REDIS_COMMAND_TIMEOUT_MS = 250;

/** A Redis client that fails fast when Redis is down or hung (so the cache degrades instead of hanging requests). */
export function createRedis(url: string, opts: { commandTimeoutMs?: number } = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    commandTimeout: opts.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    lazyConnect: false,
  });
}

// KEYS[1] value, KEYS[2] generation; ARGV[1] generation seen before loading, ARGV[2] value, ARGV[3] TTL.
const FILL_IF_GENERATION = `
local current = redis.call('GET', KEYS[2]) or ''
if current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0`;

// KEYS[1] value, KEYS[2] generation; ARGV[1] generation TTL. The generation outlives any entry cached
// under it (and any load in flight), so a slow reader cannot see it expire back to what it saw.
const INVALIDATE = `
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
return 1`;

const GENERATION_SUFFIX = ':gen';

// The scripts go by EVALSHA (ioredis loads them once per connection): EVAL would send their text with every call.
type RedisWithScripts = Redis & {
  orderflowCacheFill(
    valueKey: string,
    genKey: string,
    seen: string,
    value: string,
    ttl: string,
  ): Promise<unknown>;
};
type PipelineWithScripts = ReturnType<Redis['pipeline']> & {
  orderflowCacheInvalidate(valueKey: string, genKey: string, ttl: string): PipelineWithScripts;
};

function defineScripts(redis: Redis): void {
  if ('orderflowCacheFill' in redis) return;
  redis.defineCommand('orderflowCacheFill', { numberOfKeys: 2, lua: FILL_IF_GENERATION });
  redis.defineCommand('orderflowCacheInvalidate', { numberOfKeys: 2, lua: INVALIDATE });
}

/** Skips a failing Redis for `openMs` after a failure, then lets one call through to probe it. */
class Breaker {
  private openUntil = 0;
  private probing = false;
  private outage = false;

  constructor(private readonly openMs: number) {}

  /** True when a call may use Redis now (closed, or this call is the one probe after the open period). */
  allow(): boolean {
    if (!this.outage) return true;
    if (Date.now() < this.openUntil || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** True while Redis is being skipped. */
  get open(): boolean {
    return this.outage;
  }

  succeeded(log: Logger): void {
    this.probing = false;
    if (!this.outage) return;
    this.outage = false;
    log.info('redis answers again; the cache is back on');
  }

  failed(log: Logger, err: unknown, key: string): void {
    const now = Date.now();
    // Calls that were already in flight when the breaker opened fail too: one outage, one log line.
    if (now < this.openUntil) return;
    this.probing = false;
    this.openUntil = now + this.openMs;
    if (this.outage) {
      log.debug({ err, key, skipMs: this.openMs }, 'redis still failing; skipping the cache');
      return;
    }
    this.outage = true;
    log.warn(
      { err, key, skipMs: this.openMs },
      `redis failed; the cache is skipped (reads go to the database) and retried every ${this.openMs} ms`,
    );
  }
}

// One breaker per client: every cache on a hung connection is skipped together.
const breakers = new WeakMap<Redis, Breaker>();

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** Options of a Cache. */
export interface CacheOptions {
  /** Prepended to every key (e.g. 'inventory:stock:'). */
  prefix: string;
  ttlSeconds: number;
  logger: Logger;
  /** Longest wait for one Redis call before treating it as failed, default 250 ms (the client's own commandTimeout may be shorter). */
  timeoutMs?: number;
  /** How long Redis is skipped after a failure, default 5000 ms. The first Cache on a client sets it. */
  breakerOpenMs?: number;
  /**
   * Announces invalidations on a Redis pub/sub channel, in the same pipelined round trip: the message is
   * `<origin>|<key>,<key>…` (the caller's keys, unprefixed), so other processes can wake whoever waits
   * for those keys to change and a process can ignore its own announcements. `invalidateMany`'s
   * `announce` narrows it to the keys worth waking for (none: no message).
   */
  announce?: { channel: string; origin: string };
}

/** The outcome of a cache read: the value (undefined when the loader found nothing) and whether Redis had it. */
export interface CacheRead<T> {
  value: T | undefined;
  hit: boolean;
}

/**
 * Generation-safe cache-aside over Redis with JSON values and a TTL. Every Redis failure or timeout is
 * a miss (reads go to the loader, writes are skipped) and opens a breaker that skips Redis for a few
 * seconds: an outage costs one short timeout, never a failed or slow request.
 */
export class Cache {
  private readonly log: Logger;
  private readonly breaker: Breaker;
  private readonly timeoutMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly opts: CacheOptions,
  ) {
    this.log = opts.logger.child({ component: 'cache' });
    this.timeoutMs = opts.timeoutMs ?? 250;
    let breaker = breakers.get(redis);
    if (!breaker) {
      breaker = new Breaker(opts.breakerOpenMs ?? 5000);
      breakers.set(redis, breaker);
    }
    this.breaker = breaker;
    defineScripts(redis);
  }

  // undefined for a key that would collide with another key's generation counter (never cached).
  private keys(key: string): [value: string, generation: string] | undefined {
    if (key.endsWith(GENERATION_SUFFIX)) return undefined;
    const value = this.opts.prefix + key;
    return [value, value + GENERATION_SUFFIX];
  }

  private async call<T>(key: string, command: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await withDeadline(command(), this.timeoutMs);
      this.breaker.succeeded(this.log);
      return result;
    } catch (err) {
      this.breaker.failed(this.log, err, key);
      return undefined;
    }
  }

  /**
   * The cached value of `key` and whether it was a hit; on a miss `load()`'s result, cached unless
   * undefined, invalidated meanwhile, or refused by `keep` (e.g. a value about to change anyway).
   */
  async read<T>(
    key: string,
    load: () => Promise<T | undefined>,
    ttlSeconds = this.opts.ttlSeconds,
    keep: (value: T) => boolean = () => true,
  ): Promise<CacheRead<T>> {
    const keys = this.keys(key);
    let generation: string | undefined;
    if (keys && this.breaker.allow()) {
      const found = await this.call(keys[0], () => this.redis.mget(...keys));
      if (found) {
        const [hit, gen] = found;
        if (typeof hit === 'string') {
          try {
            return { value: JSON.parse(hit) as T, hit: true };
          } catch (err) {
            this.log.warn({ err, key: keys[0] }, 'cached value is not JSON; reloading it');
          }
        }
        generation = gen ?? '';
      }
    }
    const value = await load();
    // Only a read that saw the generation may fill, and not while Redis is being skipped.
    if (keys && value !== undefined && generation !== undefined && !this.breaker.open && keep(value)) {
      const [valueKey, genKey] = keys;
      await this.call(valueKey, () =>
        (this.redis as RedisWithScripts).orderflowCacheFill(
          valueKey,
          genKey,
          generation,
          JSON.stringify(value),
          String(ttlSeconds),
        ),
      );
    }
    return { value, hit: false };
  }

  /** The cached value for `key`, or `load()`'s result (cached unless undefined or invalidated meanwhile). */
  async getOrLoad<T>(
    key: string,
    load: () => Promise<T | undefined>,
    ttlSeconds = this.opts.ttlSeconds,
  ): Promise<T | undefined> {
    return (await this.read(key, load, ttlSeconds)).value;
  }

  /** Drops `key` and bumps its generation, so no read that started earlier can cache what it loaded (call after the change committed). */
  invalidate(key: string): Promise<void> {
    return this.invalidateMany([key]);
  }

  /**
   * {@link invalidate} for several keys in one pipelined round trip (a consumer chunk's changes). With
   * the `announce` option set, the announcement names `opts.announce` (default: every key), in the same round trip.
   */
  async invalidateMany(keys: Iterable<string>, opts: { announce?: Iterable<string> } = {}): Promise<void> {
    const unique: string[] = [];
    const all: [string, string][] = [];
    for (const key of new Set(keys)) {
      const pair = this.keys(key);
      if (pair === undefined) continue;
      unique.push(key);
      all.push(pair);
    }
    if (all.length === 0) return;
    const ttl = String(this.opts.ttlSeconds * 2 + 60);
    const named = opts.announce === undefined ? unique : [...new Set(opts.announce)];
    const announce =
      this.opts.announce === undefined || named.length === 0
        ? undefined
        : { channel: this.opts.announce.channel, message: `${this.opts.announce.origin}|${named.join(',')}` };
    const send = async (): Promise<void> => {
      const pipeline = this.redis.pipeline() as PipelineWithScripts;
      for (const [valueKey, genKey] of all) pipeline.orderflowCacheInvalidate(valueKey, genKey, ttl);
      if (announce !== undefined) pipeline.publish(announce.channel, announce.message);
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err !== null)?.[0];
      if (failed) throw failed;
    };
    if (this.breaker.allow()) {
      // A failure leaves the old entries until their TTL (logged by the breaker).
      await this.call(all[0]![0], send);
      return;
    }
    // Redis is being skipped, but dropping a stale entry still matters: send it without waiting. A hung
    // Redis applies it when it wakes up; a down one refuses it at once.
    send().catch(() => undefined);
  }
}
