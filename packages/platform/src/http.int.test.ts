import { createServer, type Server } from 'node:net';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { Cache, createRedis } from './cache';
import { ApiError } from './errors';
import { createHttpApp, listen, requestContext } from './http';
import { adminKafkaSecurity } from './kafka-security';
import { createKafka } from './kafka';
import { createLogger } from './logger';
import { createMetricsRegistry } from './metrics';
import { databaseCheck, kafkaCheck, redisCheck, registryCheck } from './readiness';
import { REGISTRY_URL, scratchDatabase } from './test-support';
import { postgresDatabaseUrl } from './postgres-server';

jest.setTimeout(60_000);

type Db = Awaited<ReturnType<typeof scratchDatabase>>;
const logger = createLogger({ service: 'platform-test', level: 'silent' });

describe('HTTP kit (real PostgreSQL, Redis, Kafka and registry for /ready)', () => {
  let db: Db;
  let redis: Redis;
  const kafka = createKafka({
    clientId: 'platform-http-test',
    brokers: ['localhost:9092'],
    security: adminKafkaSecurity(),
    logger,
  });
  const admin = kafka.admin();
  let base: string;
  let close: () => Promise<void>;
  let releaseSlow: () => void = () => undefined;
  const metrics = createMetricsRegistry('platform-test');

  beforeAll(async () => {
    db = await scratchDatabase('http');
    // Prisma's first query loads its query compiler, blocking the event loop for a few hundred ms, longer
    // than Redis' short command timeout: a service has made that query before anyone asks /ready.
    await db.prisma.$queryRawUnsafe('SELECT 1');
    redis = createRedis('redis://127.0.0.1:6379');
    await new Promise((r) => redis.once('ready', r));
    await admin.connect();
    const app = createHttpApp({
      logger,
      metrics,
      bodyLimit: '1kb',
      readiness: [
        databaseCheck(db.prisma),
        redisCheck(redis),
        kafkaCheck(admin),
        registryCheck(REGISTRY_URL),
      ],
      routes: (a: Express) => {
        a.post('/orders', (req, res) => {
          const body = req.body as { sku?: unknown };
          if (typeof body.sku !== 'string')
            throw new ApiError('VALIDATION_FAILED', 'invalid order', {
              errors: [{ path: '/sku', message: 'must be a string' }],
            });
          res.status(201).json({ sku: body.sku, correlationId: requestContext(res).correlationId });
        });
        a.get('/orders/:id', (req) => {
          throw new ApiError('NOT_FOUND', `order ${req.params.id} not found`);
        });
        a.get('/boom', () => {
          throw new Error('secret connection string postgres://u:p@db');
        });
        a.get('/slow', async (_req, res) => {
          await new Promise<void>((r) => (releaseSlow = r));
          res.json({ finished: true });
        });
      },
    });
    const server = await listen(app, 0);
    base = `http://127.0.0.1:${server.port}`;
    close = server.close;
  });
  afterAll(async () => {
    await close().catch(() => undefined);
    await admin.disconnect();
    redis.disconnect();
    await db.drop();
  });

  const post = (body: string, contentType = 'application/json'): Promise<Response> =>
    fetch(`${base}/orders`, {
      method: 'POST',
      body,
      headers: { 'content-type': contentType, 'x-correlation-id': 'corr-http' },
    });

  it('serves routes and echoes the correlation id', async () => {
    const res = await post(JSON.stringify({ sku: 'SKU-1' }));
    expect(res.status).toBe(201);
    expect(res.headers.get('x-correlation-id')).toBe('corr-http');
    expect(await res.json()).toEqual({ sku: 'SKU-1', correlationId: 'corr-http' });
  });

  it.each([
    ['a field error', JSON.stringify({ sku: 1 }), 'application/json', 400, 'VALIDATION_FAILED'],
    ['malformed JSON', '{"sku": ', 'application/json', 400, 'MALFORMED_JSON'],
    [
      'a body over the limit',
      JSON.stringify({ sku: 'x'.repeat(2000) }),
      'application/json',
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'a non-JSON content type',
      'sku=SKU-1',
      'application/x-www-form-urlencoded',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
  ])('answers %s with problem+json', async (_what, body, type, status, code) => {
    const res = await post(body, type);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status, code, instance: '/orders' });
  });

  it('names the failing field, maps NOT_FOUND, and hides internals of unknown errors', async () => {
    expect(await (await post(JSON.stringify({ sku: 1 }))).json()).toMatchObject({
      errors: [{ path: '/sku', message: 'must be a string' }],
    });
    const missing = await fetch(`${base}/orders/42`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'NOT_FOUND', detail: 'order 42 not found' });
    const boom = await fetch(`${base}/boom`);
    expect(boom.status).toBe(500);
    const text = await boom.text();
    expect(JSON.parse(text)).toEqual({
      type: 'urn:orderflow:problem:internal',
      title: 'Internal server error',
      status: 500,
      code: 'INTERNAL',
      instance: '/boom',
    });
    expect(text).not.toContain('postgres://');
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
  });

  it('/health is alive and /ready checks every dependency', async () => {
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/ready`);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { db: 'ok', redis: 'ok', kafka: 'ok', registry: 'ok' },
    });
    expect(ready.status).toBe(200);
  });

  it('/ready answers 503 naming the dependency that is down', async () => {
    const deadRedis = createRedis('redis://127.0.0.1:6390');
    deadRedis.on('error', () => undefined);
    const app = createHttpApp({
      logger,
      metrics: createMetricsRegistry('t2', { defaultMetrics: false }),
      readiness: [databaseCheck(db.prisma), redisCheck(deadRedis)],
      routes: () => undefined,
    });
    const s = await listen(app, 0);
    try {
      const res = await fetch(`http://127.0.0.1:${s.port}/ready`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { failed: string[]; checks: Record<string, string>; detail: string };
      expect(body.failed).toEqual(['redis']);
      expect(body.checks.db).toBe('ok');
      expect(body.detail).toBe('not ready: redis unavailable');
    } finally {
      await s.close();
      deadRedis.disconnect();
    }
  });

  it('/metrics exposes request counts by route and status', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(
      /orderflow_http_requests_total\{method="POST",route="\/orders",status="201",service="platform-test"\} \d+/,
    );
    expect(text).toMatch(
      /orderflow_http_requests_total\{method="GET",route="\/orders\/:id",status="404",service="platform-test"\} 1/,
    );
    expect(text).toContain('orderflow_http_request_duration_seconds_bucket');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('close() stops accepting but lets an in-flight request finish', async () => {
    const inFlight = fetch(`${base}/slow`);
    await new Promise((r) => setTimeout(r, 200));
    const closing = close();
    await new Promise((r) => setTimeout(r, 100));
    await expect(fetch(`${base}/health`)).rejects.toThrow();
    releaseSlow();
    const res = await inFlight;
    expect(await res.json()).toEqual({ finished: true });
    await closing;
  });
});

// A PostgreSQL server that answers every connection the way a starting server does: SQLSTATE 57P03
// "the database system is starting up" (the real wire message, decoded by the real pg driver).
async function startingUpServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const field = (tag: string, text: string) => Buffer.from(`${tag}${text}\0`);
  const body = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', '57P03'),
    field('M', 'the database system is starting up'),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(body.length + 4, 1);
  const server: Server = createServer((socket) => {
    socket.once('data', () => socket.end(Buffer.concat([header, body])));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/orders`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

// A port nothing listens on: bind one, note it, free it.
async function unusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

describe('HTTP kit: a database outage answers 503 + Retry-After in every service', () => {
  let starting: Awaited<ReturnType<typeof startingUpServer>>;
  let base: string;
  let close: () => Promise<void>;
  const clients: { $disconnect: () => Promise<void> }[] = [];
  const pools: pg.Pool[] = [];

  beforeAll(async () => {
    starting = await startingUpServer();
    const refusedUrl = `postgresql://postgres@127.0.0.1:${await unusedPort()}/orders`;
    const poolOn = (url: string) => {
      const pool = new pg.Pool({ connectionString: url });
      pool.on('error', () => undefined);
      pools.push(pool);
      return pool;
    };
    // The Prisma driver adapter without a generated client: the same pg errors, wrapped as Prisma wraps them.
    const adapterOn = async (url: string) => {
      const adapter = await new PrismaPg({ connectionString: url }).connect();
      clients.push({ $disconnect: () => adapter.dispose() });
      return adapter;
    };
    const startingAdapter = await adapterOn(starting.url);
    const refusedAdapter = await adapterOn(refusedUrl);
    const select1 = { sql: 'SELECT 1', args: [], argTypes: [] };
    const startingPool = poolOn(starting.url);
    const refusedPool = poolOn(refusedUrl);
    const app = createHttpApp({
      logger,
      metrics: createMetricsRegistry('platform-db-test', { defaultMetrics: false }),
      readiness: [],
      routes: (a: Express) => {
        a.post('/prisma/starting', async (_req, res) => {
          res.json(await startingAdapter.queryRaw(select1));
        });
        a.get('/prisma/refused', async (_req, res) => {
          res.json(await refusedAdapter.queryRaw(select1));
        });
        a.get('/pg/starting', async (_req, res) => {
          res.json((await startingPool.query('SELECT 1')).rows);
        });
        a.get('/pg/refused', async (_req, res) => {
          res.json((await refusedPool.query('SELECT 1')).rows);
        });
      },
    });
    const server = await listen(app, 0);
    base = `http://127.0.0.1:${server.port}`;
    close = server.close;
  });
  afterAll(async () => {
    await close();
    await Promise.all(clients.map((c) => c.$disconnect().catch(() => undefined)));
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
    await starting.close();
  });

  it.each([
    [
      'POST through the Prisma pg adapter while PostgreSQL is starting up (57P03)',
      'POST',
      '/prisma/starting',
    ],
    ['the Prisma pg adapter with PostgreSQL down (connection refused)', 'GET', '/prisma/refused'],
    ['a pg pool while PostgreSQL is starting up (57P03)', 'GET', '/pg/starting'],
    ['a pg pool with PostgreSQL down (connection refused)', 'GET', '/pg/refused'],
  ])('%s', async (_what, method, path) => {
    const res = await fetch(`${base}${path}`, {
      method,
      ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 503, code: 'UNAVAILABLE', instance: path });
    // Like any problem, it names no internals (no connection string, host or driver message).
    expect(JSON.stringify(problem)).not.toMatch(/127\.0\.0\.1|postgres|57P03|ECONNREFUSED/);
  });
});

describe('Cache (real Redis)', () => {
  const prefix = `platform-test:${process.pid}:`;

  it('caches with a TTL, invalidates, and degrades to the loader when Redis is down', async () => {
    const redis = createRedis('redis://127.0.0.1:6379');
    await new Promise((r) => redis.once('ready', r));
    const cache = new Cache(redis, { prefix, ttlSeconds: 30, logger });
    let loads = 0;
    const load = () => Promise.resolve({ n: ++loads });
    expect(await cache.getOrLoad('k', load)).toEqual({ n: 1 });
    expect(await cache.read('k', load)).toEqual({ value: { n: 1 }, hit: true });
    expect(await redis.ttl(`${prefix}k`)).toBeGreaterThan(25);
    await cache.invalidate('k');
    expect(await cache.getOrLoad('k', load)).toEqual({ n: 2 });
    await cache.invalidate('k');
    redis.disconnect();

    const down = createRedis('redis://127.0.0.1:6390', { commandTimeoutMs: 200 });
    down.on('error', () => undefined);
    const degraded = new Cache(down, { prefix: 'x:', ttlSeconds: 30, logger });
    const started = Date.now();
    expect(await degraded.getOrLoad('k', load)).toEqual({ n: 3 });
    await expect(degraded.invalidate('k')).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
    down.disconnect();
  });

  it('a read that loaded before a change committed does not cache its stale copy after the invalidation', async () => {
    const redis = createRedis('redis://127.0.0.1:6379');
    await new Promise((r) => redis.once('ready', r));
    try {
      const cache = new Cache(redis, { prefix, ttlSeconds: 30, logger });
      let stock = 5;
      let release: () => void = () => undefined;
      const loaded = new Promise<void>((loadedOne) => {
        void cache.getOrLoad('race', async () => {
          const seen = stock;
          loadedOne();
          await new Promise<void>((r) => (release = r));
          return { stock: seen };
        });
      });
      await loaded;
      // The change commits and invalidates while the slow read still holds the old level.
      stock = 2;
      await cache.invalidate('race');
      release();
      await new Promise((r) => setTimeout(r, 100));
      // The next read loads the new level (the stale copy was not cached)…
      expect(await cache.getOrLoad('race', () => Promise.resolve({ stock }))).toEqual({ stock: 2 });
      // …and caches it: the read after that is served from Redis (its loader would say -1).
      expect(await cache.getOrLoad('race', () => Promise.resolve({ stock: -1 }))).toEqual({ stock: 2 });
    } finally {
      redis.disconnect();
    }
  });

  it('a hung Redis does not slow reads: they return the database values before Redis wakes up', async () => {
    const redis = createRedis('redis://127.0.0.1:6379');
    const blocker = createRedis('redis://127.0.0.1:6379', { commandTimeoutMs: 30_000 });
    const db = new pg.Pool({ connectionString: postgresDatabaseUrl('postgres'), max: 5 });
    await Promise.all([redis, blocker].map((c) => new Promise((r) => c.once('ready', r))));
    try {
      const cache = new Cache(redis, { prefix, ttlSeconds: 30, logger });
      const loadFromDb = async (i: number) => {
        const { rows } = await db.query<{ v: string }>(`SELECT 'stock-' || $1::text AS v`, [i]);
        return rows[0]?.v;
      };
      await loadFromDb(0); // a warm pool: the race below is Redis against the database, not connects

      // Blocks the whole Redis server for 3 s, like `DEBUG SLEEP 3` (which this server refuses:
      // enable-debug-command is off). Its reply arrives when Redis wakes up.
      const order: string[] = [];
      const sleeping = blocker
        .eval(
          `local t = redis.call('TIME'); local stop = t[1] * 1000000 + t[2] + 3000000
           repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] >= stop
           return 'awake'`,
          0,
        )
        .then((v) => {
          order.push('redis awake');
          return v;
        });
      await new Promise((r) => setTimeout(r, 50)); // the script is running: Redis answers nobody now

      // One after another, as a consumer handles its events: each waiting on Redis would take seconds.
      const reads: (string | undefined)[] = [];
      for (let i = 0; i < 50; i += 1) {
        reads.push(await cache.getOrLoad(`hung:${i}`, () => loadFromDb(i)));
        order.push('read');
      }
      expect(reads).toEqual(Array.from({ length: 50 }, (_, i) => `stock-${i}`));
      expect(await sleeping).toBe('awake');
      // Every read finished before Redis answered anyone: none of them waited for it.
      expect(order).toEqual([...Array<string>(50).fill('read'), 'redis awake']);
      // And invalidation while Redis is skipped does not wait either.
      const invalidated = cache.invalidate('hung:0').then(() => 'invalidated');
      expect(await invalidated).toBe('invalidated');
    } finally {
      redis.disconnect();
      blocker.disconnect();
      await db.end();
    }
  });
});
