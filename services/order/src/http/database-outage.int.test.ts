// POST /orders while PostgreSQL restarts: the client is told to retry (503 + Retry-After), not 500.
import { createServer } from 'node:net';
import { databasePool } from '@orderflow/platform';
import { servePlacingOrders } from '../../test/harness';
import { createDb } from '../db';
import { bearer } from '../../../../tests/support/auth';

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
  writes = databasePool(`postgresql://postgres@127.0.0.1:${port}/orders`, { poolSize: 2 });
  // The real registry: the schema id is resolved before the catalog read, which meets the starting database.
  ({ base, close } = await servePlacingOrders('outage', { prisma, writes }));
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
