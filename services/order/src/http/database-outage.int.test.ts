// POST /orders while PostgreSQL restarts: the client is told to retry (503 + Retry-After), not 500.
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { SchemaRegistryClient } from '@orderflow/codec';
import { orderCreatedCodec } from '@orderflow/contracts';
import {
  createHttpApp,
  createLogger,
  createMetricsRegistry,
  databasePool,
  listen,
} from '@orderflow/platform';
import { REGISTRY_URL } from '@orderflow/platform/testing';
import { createDb } from '../db';
import { placingOrderRoute } from '../placing-order/route';
import { OpenApiValidator } from './openapi-validator';
import { bearer, devVerifier } from '../../../../tests/support/auth';
import { ACCESS } from '../access';

// Answers every connection as a starting PostgreSQL does: SQLSTATE 57P03 "the database system is
// starting up", in the real wire format, so the real pg driver and Prisma adapter decode it.
function startingUpPostgres() {
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
  return createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end(Buffer.concat([header, body])));
  });
}

const server = startingUpPostgres();
let prisma: ReturnType<typeof createDb>;
let base: string;
let close: () => Promise<void>;
let writes: ReturnType<typeof databasePool>;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  prisma = createDb(`postgresql://postgres@127.0.0.1:${port}/orders`, 2);
  const validator = OpenApiValidator.fromFile(
    resolve(__dirname, '../../../../schemas/openapi/order-api.yaml'),
  );
  // The real registry: the schema id is resolved before the catalog read, which meets the starting database.
  const orderCreated = orderCreatedCodec(new SchemaRegistryClient({ url: REGISTRY_URL }));
  writes = databasePool(`postgresql://postgres@127.0.0.1:${port}/orders`, { poolSize: 2 });
  const app = createHttpApp({
    logger: createLogger({ service: 'order-test', level: 'silent' }),
    metrics: createMetricsRegistry('order-outage-test', { defaultMetrics: false }),
    readiness: [],
    // Mounted as app.ts mounts it; the platform's error handler maps the outage.
    routes: (a) => placingOrderRoute(a, { prisma, writes, orderCreated, validator }),
    auth: { verifier: await devVerifier(), access: ACCESS },
  });
  const s = await listen(app, 0);
  base = `http://127.0.0.1:${s.port}`;
  close = s.close;
});

afterAll(async () => {
  await close();
  await prisma.$disconnect();
  await writes.end();
  await new Promise((r) => server.close(r));
});

test.each([
  ['without an Idempotency-Key', {}],
  ['with an Idempotency-Key', { 'idempotency-key': 'outage-1' }],
])('POST /orders %s during a PostgreSQL restart answers 503 with Retry-After', async (_what, headers) => {
  const res = await fetch(`${base}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers, ...(await bearer('c-1')) },
    body: JSON.stringify({
      customer: { id: 'c-1', email: 'ada@example.com' },
      lines: [{ sku: 'SKU-1', quantity: 1 }],
      currency: 'EUR',
    }),
  });
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(await res.json()).toMatchObject({ status: 503, code: 'UNAVAILABLE', instance: '/orders' });
});
