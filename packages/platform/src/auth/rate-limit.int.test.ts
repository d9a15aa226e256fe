// The rate limit on the real Redis: two limiters (two instances of a service) share one client's limit
// through their batched syncs, and a limiter whose Redis is down goes on limiting alone.
import { randomUUID } from 'node:crypto';
import { createRedis } from '../cache';
import { createLogger } from '../logger';
import { redisRateLimiter, type RateLimiter } from './rate-limit';

const logger = createLogger({ service: 'rate-limit-test', level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function allowed(limiter: RateLimiter, subject: string, n: number): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) if ((await limiter.hit(subject)).allowed) ok++;
  return ok;
}

test('two instances share a client limit: together they allow the limit, not twice it', async () => {
  const a = createRedis('redis://127.0.0.1:6379');
  const b = createRedis('redis://127.0.0.1:6379');
  const service = `rl-test-${randomUUID()}`;
  await Promise.all([a, b].map((r) => new Promise((ready) => r.once('ready', ready))));
  try {
    // Syncs only when asked (the timer's interval is longer than the test).
    const one = redisRateLimiter(a, { service, perMinute: 100, logger, syncMs: 60_000 });
    const two = redisRateLimiter(b, { service, perMinute: 100, logger, syncMs: 60_000 });
    const subject = 'customer-1';
    // Requests arrive at both instances in rounds, each round followed by both instances' syncs.
    let total = 0;
    for (let round = 0; round < 20; round++) {
      total += (await allowed(one, subject, 5)) + (await allowed(two, subject, 5));
      await Promise.all([one.flush(), two.flush()]);
    }
    // 200 requests offered, the limit is 100: the overshoot is at most one instance's requests between
    // two syncs (the other instance's count it had not yet seen).
    expect(total).toBeGreaterThanOrEqual(100);
    expect(total).toBeLessThanOrEqual(105);
    // Redis holds the global count with the window's expiry.
    const key = `ratelimit:${service}:${subject}`;
    expect(Number(await a.get(key))).toBe(total);
    expect(await a.pttl(key)).toBeGreaterThan(50_000);
    // Another client is not limited.
    expect(await allowed(one, 'customer-2', 5)).toBe(5);
    await one.flush();
  } finally {
    a.disconnect();
    b.disconnect();
  }
});

test('with Redis down, an instance still limits a client by its own count', async () => {
  const down = createRedis('redis://127.0.0.1:6390', { commandTimeoutMs: 100 });
  down.on('error', () => undefined);
  try {
    const limiter = redisRateLimiter(down, { service: 'rl-down', perMinute: 30, logger, syncMs: 10 });
    let total = 0;
    for (let round = 0; round < 10; round++) {
      total += await allowed(limiter, 'customer-1', 10);
      await sleep(150);
    }
    expect(total).toBe(30);
  } finally {
    down.disconnect();
  }
});
