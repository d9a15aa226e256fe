// Per-client rate limit over Redis, so it holds however many instances serve a client: a fixed
// one-minute window per (service, subject), counted by one Lua script (INCR, PEXPIRE on the first hit,
// PTTL): one round trip per request. When Redis cannot answer, requests are let through (fail open)
// and the outage is logged at most once per LOG_EVERY_MS: a cache outage must not take the API down.
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';

const WINDOW_MS = 60_000;
const LOG_EVERY_MS = 30_000;

// KEYS[1] the counter; ARGV[1] the window in ms. Returns {count, ms left in the window}.
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

/** The verdict on one request. */
export type RateVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts a client's requests; `hit` never throws. */
export interface RateLimiter {
  hit(subject: string): Promise<RateVerdict>;
}

/** Decides from a window's count and time left; pure, for tests. */
export function verdict(count: number, msLeft: number, perMinute: number): RateVerdict {
  if (count <= perMinute) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(msLeft / 1000)) };
}

type RedisWithHit = Redis & { orderflowRateHit(key: string, windowMs: number): Promise<[number, number]> };

/** A limiter of `perMinute` requests per subject and minute for `service`, on `redis`. */
export function redisRateLimiter(
  redis: Redis,
  opts: { service: string; perMinute: number; logger: Logger },
): RateLimiter {
  // defineCommand runs the script by EVALSHA (loading it once): still one round trip per request.
  if (!('orderflowRateHit' in redis)) redis.defineCommand('orderflowRateHit', { numberOfKeys: 1, lua: HIT });
  const client = redis as RedisWithHit;
  let lastLogged = 0;
  return {
    async hit(subject) {
      try {
        const [count, msLeft] = await client.orderflowRateHit(
          `ratelimit:${opts.service}:${subject}`,
          WINDOW_MS,
        );
        return verdict(Number(count), Number(msLeft), opts.perMinute);
      } catch (err) {
        if (Date.now() - lastLogged >= LOG_EVERY_MS) {
          lastLogged = Date.now();
          opts.logger.warn({ err }, 'rate limit not enforced: Redis does not answer (failing open)');
        }
        return { allowed: true };
      }
    },
  };
}
