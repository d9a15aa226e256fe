import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { Cache, createRedis } from './cache';
import { ApiError } from './errors';
import { createHttpApp, listen, requestContext } from './http';
import { createKafka } from './kafka';
import { createLogger } from './logger';
import { createMetricsRegistry } from './metrics';
import { databaseCheck, kafkaCheck, redisCheck, registryCheck } from './readiness';
import { REGISTRY_URL, scratchDatabase } from './test-support';

jest.setTimeout(60_000);

type Db = Awaited<ReturnType<typeof scratchDatabase>>;
const logger = createLogger({ service: 'platform-test', level: 'silent' });

describe('HTTP kit (real PostgreSQL, Redis, Kafka and registry for /ready)', () => {
  let db: Db;
  let redis: Redis;
  const kafka = createKafka({ clientId: 'platform-http-test', brokers: ['localhost:9092'], logger });
  const admin = kafka.admin();
  let base: string;
  let close: () => Promise<void>;
  let releaseSlow: () => void = () => undefined;
  const metrics = createMetricsRegistry('platform-test');

  beforeAll(async () => {
    db = await scratchDatabase('http');
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

describe('Cache (real Redis)', () => {
  it('caches with a TTL, invalidates, and degrades to the loader when Redis is down', async () => {
    const redis = createRedis('redis://127.0.0.1:6379');
    await new Promise((r) => redis.once('ready', r));
    const cache = new Cache(redis, { prefix: `platform-test:${process.pid}:`, ttlSeconds: 30, logger });
    let loads = 0;
    const load = () => Promise.resolve({ n: ++loads });
    expect(await cache.getOrLoad('k', load)).toEqual({ n: 1 });
    expect(await cache.getOrLoad('k', load)).toEqual({ n: 1 });
    expect(await redis.ttl(`platform-test:${process.pid}:k`)).toBeGreaterThan(25);
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
});
