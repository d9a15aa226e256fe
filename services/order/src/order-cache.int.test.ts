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

test('a completed view is cached: the next read is a hit without loading', async () => {
  const id = randomUUID();
  let loads = 0;
  const load = () => Promise.resolve({ status: 'CONFIRMED', completed: true, n: ++loads });
  const view = { status: 'CONFIRMED', completed: true, n: 1 };
  expect(await cache.getOrLoad(id, load)).toEqual({ value: view, hit: false });
  expect(await cache.getOrLoad(id, load)).toEqual({ value: view, hit: true });
  expect(loads).toBe(1);
});

test('a view still in its saga is not cached: every read loads the current state', async () => {
  const id = randomUUID();
  let loads = 0;
  const load = () => Promise.resolve({ status: 'PENDING', completed: false, n: ++loads });
  expect(await cache.getOrLoad(id, load)).toEqual({
    value: { status: 'PENDING', completed: false, n: 1 },
    hit: false,
  });
  expect(await cache.getOrLoad(id, load)).toEqual({
    value: { status: 'PENDING', completed: false, n: 2 },
    hit: false,
  });
});

test('invalidate drops the entry: the next read sees the new state', async () => {
  const id = randomUUID();
  let status = 'CONFIRMED';
  const load = () => Promise.resolve({ status, completed: true });
  await cache.getOrLoad(id, load);
  status = 'REFUNDED';
  await cache.invalidate(id);
  expect(await cache.getOrLoad(id, load)).toEqual({
    value: { status: 'REFUNDED', completed: true },
    hit: false,
  });
});

test('a read that loaded before a change committed does not cache its stale copy after the invalidation', async () => {
  const id = randomUUID();
  let status = 'CONFIRMED';
  let release: () => void = () => undefined;
  const slowLoad = async () => {
    const seen = status;
    await new Promise<void>((r) => (release = r));
    return { status: seen, completed: true };
  };
  const slowRead = cache.getOrLoad(id, slowLoad);
  await new Promise((r) => setTimeout(r, 20));
  // The change commits and invalidates while the slow read still holds the old state.
  status = 'CANCELLED';
  await cache.invalidate(id);
  release();
  expect((await slowRead).value).toEqual({ status: 'CONFIRMED', completed: true });
  expect(await cache.getOrLoad(id, () => Promise.resolve({ status, completed: true }))).toEqual({
    value: { status: 'CANCELLED', completed: true },
    hit: false,
  });
});

test('a load that finds nothing is not cached', async () => {
  const id = randomUUID();
  expect(await cache.getOrLoad<{ completed: boolean }>(id, () => Promise.resolve(undefined))).toEqual({
    value: undefined,
    hit: false,
  });
  expect(await cache.getOrLoad(id, () => Promise.resolve({ status: 'CONFIRMED', completed: true }))).toEqual({
    value: { status: 'CONFIRMED', completed: true },
    hit: false,
  });
});
