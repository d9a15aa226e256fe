// OrderCache against the real Redis: cache-aside that a slow read cannot poison after an invalidation.
import { randomUUID } from 'node:crypto';
import { createLogger, createRedis } from '@orderflow/platform';
import { OrderCache } from './order-cache';

const redis = createRedis('redis://127.0.0.1:6379');
const cache = new OrderCache(redis, {
  ttlSeconds: 30,
  logger: createLogger({ service: 'order-test', level: 'silent' }),
  prefix: `orderflow:test:${randomUUID()}:`,
});

beforeAll(async () => {
  // createRedis fails fast instead of queueing, so commands before the connection is up are misses.
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
});

afterAll(async () => {
  await redis.quit();
});

test('a miss loads and caches; the next read is a hit without loading', async () => {
  const id = randomUUID();
  let loads = 0;
  const load = () => Promise.resolve({ status: 'PENDING', n: ++loads });
  expect(await cache.getOrLoad(id, load)).toEqual({ value: { status: 'PENDING', n: 1 }, hit: false });
  expect(await cache.getOrLoad(id, load)).toEqual({ value: { status: 'PENDING', n: 1 }, hit: true });
  expect(loads).toBe(1);
});

test('invalidate drops the entry: the next read sees the new state', async () => {
  const id = randomUUID();
  let status = 'PENDING';
  const load = () => Promise.resolve({ status });
  await cache.getOrLoad(id, load);
  status = 'PAID';
  await cache.invalidate(id);
  expect(await cache.getOrLoad(id, load)).toEqual({ value: { status: 'PAID' }, hit: false });
});

test('a read that loaded before a change committed does not cache its stale copy after the invalidation', async () => {
  const id = randomUUID();
  let status = 'PENDING';
  let release: () => void = () => undefined;
  const slowLoad = async () => {
    const seen = status;
    await new Promise<void>((r) => (release = r));
    return { status: seen };
  };
  const slowRead = cache.getOrLoad(id, slowLoad);
  await new Promise((r) => setTimeout(r, 20));
  // The change commits and invalidates while the slow read still holds the old state.
  status = 'CONFIRMED';
  await cache.invalidate(id);
  release();
  expect((await slowRead).value).toEqual({ status: 'PENDING' });
  expect(await cache.getOrLoad(id, () => Promise.resolve({ status }))).toEqual({
    value: { status: 'CONFIRMED' },
    hit: false,
  });
});

test('a load that finds nothing is not cached', async () => {
  const id = randomUUID();
  expect(await cache.getOrLoad(id, () => Promise.resolve(undefined))).toEqual({
    value: undefined,
    hit: false,
  });
  expect(await cache.getOrLoad(id, () => Promise.resolve({ status: 'PENDING' }))).toEqual({
    value: { status: 'PENDING' },
    hit: false,
  });
});
