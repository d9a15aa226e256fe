// POST /orders under overload: once ORDER_WRITE_QUEUE_LIMIT requests wait for a connection of the POST
// path's pool, further POSTs are answered 503 + Retry-After at once instead of joining the queue.
// "PostgreSQL" here accepts connections and never answers, so the queue cannot drain while the test looks.
import { createServer, type Socket } from 'node:net';
import { databasePool } from '@orderflow/platform';
import { eventually } from '@orderflow/platform/testing';
import { servePlacingOrders } from '../../test/harness';
import { createDb } from '../db';
import { tokenFor } from '../../../../tests/support/auth';

const sockets = new Set<Socket>();
const silentPostgres = createServer((socket) => {
  sockets.add(socket);
  socket.on('error', () => undefined);
});
let prisma: ReturnType<typeof createDb>;
let writes: ReturnType<typeof databasePool>;
let base: string;
let close: () => Promise<void>;

beforeAll(async () => {
  await new Promise<void>((r) => silentPostgres.listen(0, '127.0.0.1', r));
  const { port } = silentPostgres.address() as { port: number };
  const url = `postgresql://postgres@127.0.0.1:${port}/orders`;
  prisma = createDb(url, 1);
  // One connection (it never finishes connecting), two requests may wait for it.
  writes = databasePool(url, { poolSize: 1, connectionTimeoutMs: 60_000 });
  ({ base, close } = await servePlacingOrders('shedding', { prisma, writes, writeQueueLimit: 2 }));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await close();
  await prisma.$disconnect();
  await writes.end().catch(() => undefined);
  if (silentPostgres.listening) await new Promise((r) => silentPostgres.close(r));
});

// Tokens minted before the requests race: a POST must reach the pool at once, not after a signature.
const tokens = new Map<number, string>();
beforeAll(async () => {
  for (let n = 1; n <= 9; n++) tokens.set(n, `Bearer ${await tokenFor(`c-${n}`)}`);
});

const post = (n: number): Promise<Response> =>
  fetch(`${base}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: tokens.get(n) ?? '' },
    body: JSON.stringify({
      customer: { id: `c-${n}`, email: 'ada@example.com' },
      lines: [{ sku: 'SKU-1', quantity: 1 }],
      currency: 'EUR',
    }),
  });

test('POSTs beyond the write queue limit are refused with 503 + Retry-After while the queued ones still wait', async () => {
  // The first takes the pool's one connection (connecting forever), the next two wait for it.
  const queued = [post(1), post(2), post(3)];
  const settled = new Set<number>();
  queued.forEach((p, i) => void p.finally(() => settled.add(i)).catch(() => undefined));
  await eventually(() => Promise.resolve(writes.waitingCount === 2));

  const shed = await Promise.all([post(4), post(5)]);
  for (const res of shed) {
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const problem = (await res.json()) as { status: number; code: string; detail: string; instance: string };
    expect(problem).toMatchObject({ status: 503, code: 'UNAVAILABLE', instance: '/orders' });
    expect(problem.detail).toMatch(/busy/);
  }
  // Refused without queueing: the three before them are still waiting for the database.
  expect(settled.size).toBe(0);
  expect(writes.waitingCount).toBe(2);

  // The database goes away (refusing new connections): the queued requests are answered too (503,
  // never a hang or a 500).
  const closed = new Promise((r) => silentPostgres.close(r));
  for (const s of sockets) s.destroy();
  await closed;
  const late = await Promise.all(queued);
  expect(late.map((r) => r.status)).toEqual([503, 503, 503]);
});
