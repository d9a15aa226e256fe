// GET /orders/{id}?wait=N on the real PostgreSQL and Redis, with two instances of the route (A and B)
// sharing them as two order-service processes would: a held read answers as soon as the order is
// completed (not before), on the instance that tracked the change and, through the Redis announcement,
// on the other one; at its deadline it answers with the order as it is; stopping releases held reads; a
// client that hangs up frees its place. The recheck is set to a minute, so only a wake can answer early.
import { randomUUID } from 'node:crypto';
import type { ApiOrder } from '@orderflow/contracts';
import {
  createLogger,
  createMetricsRegistry,
  createRedis,
  databasePool,
  eventHeaders,
} from '@orderflow/platform';
import { REGISTRY_URL } from '@orderflow/platform/testing';
import { SchemaRegistryClient } from '@orderflow/codec';
import { orderCreatedCodec } from '@orderflow/contracts';
import type { Redis } from 'ioredis';
import { scratchDatabase } from '../../../../tests/support/scratch-database';
import { bearer } from '../../../../tests/support/auth';
import { recordPrice, serveOrderRoutes, trackOne } from '../../test/harness';
import { createDb, type OrderDb } from '../db';
import { OrderCache } from '../order-cache';
import { loadOrderViewSql } from '../order-view';
import { placeOrder } from '../placing-order/place-order';
import { sagaMetrics } from '../saga-metrics';
import type { SagaFact } from '../tracking-saga/decide';
import { OrderChanges } from './order-changes';
import { gettingOrderRoute } from './route';

const logger = createLogger({ service: 'waiting-read-test', level: 'silent' });
const metrics = sagaMetrics(createMetricsRegistry('waiting-read-test', { defaultMetrics: false }));
const orderCreated = orderCreatedCodec(new SchemaRegistryClient({ url: REGISTRY_URL }));
const prefix = `test:waiting-read:${randomUUID()}:`;

interface Instance {
  base: string;
  cache: OrderCache;
  changes: OrderChanges;
  /** Reads of the order view this instance made in PostgreSQL. */
  reads: { count: number };
  close: () => Promise<void>;
}

let db: { url: string; drop: () => Promise<void> };
let prisma: OrderDb;
let pool: ReturnType<typeof databasePool>;
let redis: Redis;
let a: Instance;
let b: Instance;

async function instance(label: string): Promise<Instance> {
  const changes = new OrderChanges({ maxWaiters: 100, recheckMs: 60_000, logger });
  const cache = new OrderCache(redis, { ttlSeconds: 60, logger, prefix, changes });
  changes.listen(redis);
  const reads = { count: 0 };
  const counted = {
    query: (...args: Parameters<typeof pool.query>) => {
      reads.count++;
      return pool.query(...args);
    },
  } as Pick<typeof pool, 'query'>;
  const served = await serveOrderRoutes(label, (app, validator) =>
    gettingOrderRoute(app, { reads: counted, cache, validator, changes }),
  );
  return { ...served, cache, changes, reads };
}

beforeAll(async () => {
  db = await scratchDatabase('order', 'waiting_read');
  prisma = createDb(db.url);
  pool = databasePool(db.url, { poolSize: 4 });
  redis = createRedis('redis://127.0.0.1:6379');
  await recordPrice(prisma, 'SKU-W', 250);
  a = await instance('wait-a');
  b = await instance('wait-b');
  // Both subscribers are listening before any test announces a change.
  await new Promise((r) => setTimeout(r, 300));
});

afterAll(async () => {
  for (const i of [a, b]) {
    await i.changes.stop();
    await i.close();
  }
  redis.disconnect();
  await prisma.$disconnect();
  await pool.end();
  await db.drop();
});

/** Places an order for `customer`; `through`: the instance whose POST route would have placed it (it remembers it). */
async function place(customer: string, through?: Instance): Promise<string> {
  const placed = await placeOrder(
    { prisma, writes: pool, orderCreated, ...(through ? { changes: through.changes } : {}) },
    {
      customer: { id: customer, email: `${customer}@example.com` },
      lines: [{ sku: 'SKU-W', quantity: 2 }],
      currency: 'EUR',
    },
    { owner: customer, headers: eventHeaders() },
  );
  return placed.order.id;
}

/** A GET in flight: its answer once it comes, and whether it has come. */
function get(base: string, customer: string, id: string, query = '', signal?: AbortSignal) {
  const started = Date.now();
  const state = { settled: false, ms: 0 };
  const answer = bearer(customer).then(async (headers) => {
    const res = await fetch(`${base}/orders/${id}${query}`, { headers, ...(signal ? { signal } : {}) });
    state.settled = true;
    state.ms = Date.now() - started;
    return {
      status: res.status,
      cache: res.headers.get('x-cache'),
      body: (await res.json()) as ApiOrder & { detail?: string },
    };
  });
  return { answer, state };
}

const charge = { paymentId: randomUUID(), amountMinor: 500, currency: 'EUR' };
const steps: { topic: string; fact: SagaFact }[] = [
  { topic: 'payment_successful', fact: { kind: 'payment_successful', ...charge } },
  { topic: 'inventory_updated', fact: { kind: 'inventory_updated', outcome: 'RESERVED', ...charge } },
  { topic: 'notification_sent', fact: { kind: 'notification_sent', outcome: 'ORDER_CONFIRMED' } },
];

/**
 * Runs the saga's three events through instance `tracker`'s cache (and, with `push`, its held reads, as
 * the service wires them), checking after each but the last that `held` is still held.
 */
async function runSaga(
  tracker: Instance,
  id: string,
  held: { settled: boolean },
  push = false,
): Promise<number> {
  const t = Date.now();
  for (const [i, step] of steps.entries()) {
    await trackOne(
      { prisma, cache: tracker.cache, metrics, ...(push ? { changes: tracker.changes } : {}) },
      { orderId: id, topic: step.topic, fact: step.fact, detail: step.topic, occurredAt: new Date(t + i) },
    );
    if (i < steps.length - 1) {
      await new Promise((r) => setTimeout(r, 400));
      expect(held.settled).toBe(false);
    }
  }
  return Date.now();
}

test('a held read answers as soon as the order is completed, not at an earlier change', async () => {
  const id = await place('w-1');
  const read = get(a.base, 'w-1', id, '?wait=20');
  await new Promise((r) => setTimeout(r, 200));
  expect(a.changes.size).toBe(1);
  const completedAt = await runSaga(a, id, read.state);
  const { status, body } = await read.answer;
  expect(status).toBe(200);
  expect(body).toMatchObject({ id, status: 'CONFIRMED', completed: true });
  expect(Date.now() - completedAt).toBeLessThan(2_000);
  expect(a.changes.size).toBe(0);
});

test('a held read looks at the order twice: when it comes and when the order completes, not at the steps between', async () => {
  const id = await place('w-6');
  const before = a.reads.count;
  // An upper-case id names the same order, the same cache entry and the same waiters.
  const read = get(a.base, 'w-6', id.toUpperCase(), '?wait=20');
  await new Promise((r) => setTimeout(r, 200));
  const completedAt = await runSaga(a, id, read.state);
  const { status, body } = await read.answer;
  expect(status).toBe(200);
  expect(body).toMatchObject({ id, status: 'CONFIRMED', completed: true });
  expect(Date.now() - completedAt).toBeLessThan(2_000);
  expect(a.reads.count - before).toBe(2);
  // The completed view is cached: the next read is a hit, with no database read.
  const again = get(a.base, 'w-6', id, '?wait=20');
  expect((await again.answer).body).toMatchObject({ id, completed: true });
  expect(a.reads.count - before).toBe(2);
});

test('placed and tracked by the instance that holds the read, an order costs that read no database look: the first knows the new order, the completion brings its committed view', async () => {
  const id = await place('w-7', a);
  const before = a.reads.count;
  const read = get(a.base, 'w-7', id, '?wait=20');
  await new Promise((r) => setTimeout(r, 200));
  expect(a.changes.size).toBe(1);
  const completedAt = await runSaga(a, id, read.state, true);
  const { status, cache, body } = await read.answer;
  expect(status).toBe(200);
  expect(cache).toBe('push');
  expect(Date.now() - completedAt).toBeLessThan(2_000);
  expect(a.reads.count - before).toBe(0);
  // Exactly the view a read of the committed order shows, timeline and all.
  const fresh = await loadOrderViewSql(pool, id);
  expect(body).toEqual(fresh);
  expect(body).toMatchObject({ status: 'CONFIRMED', completed: true });
  expect(body.timeline.map((e) => e.type)).toEqual(['order_created', ...steps.map((s) => s.topic)]);
});

test('a just-placed order is not taken for pending once its completion is known, here or announced by another instance', async () => {
  // Completed before anyone asks: the read answers at once, from the database.
  const here = await place('w-8', a);
  await runSaga(a, here, { settled: false }, true);
  const first = get(a.base, 'w-8', here, '?wait=20');
  expect((await first.answer).body).toMatchObject({ id: here, status: 'CONFIRMED', completed: true });
  expect(first.state.ms).toBeLessThan(1_000);
  // Placed through B, completed by A's tracker: B learns it from A's announcement.
  const there = await place('w-9', b);
  await runSaga(a, there, { settled: false }, true);
  await new Promise((r) => setTimeout(r, 200));
  const second = get(b.base, 'w-9', there, '?wait=20');
  expect((await second.answer).body).toMatchObject({ id: there, status: 'CONFIRMED', completed: true });
  expect(second.state.ms).toBeLessThan(1_000);
});

test("another customer's read of a just-placed order is a 404 at once", async () => {
  const id = await place('w-10', a);
  const other = get(a.base, 'someone-else', id, '?wait=20');
  expect((await other.answer).status).toBe(404);
  expect(other.state.ms).toBeLessThan(1_000);
  expect(a.changes.size).toBe(0);
  // The owner's own first look then reads it (the memory was spent): still PENDING, held, then answered.
  const own = get(a.base, 'w-10', id, '?wait=1');
  expect((await own.answer).body).toMatchObject({ id, status: 'PENDING', completed: false });
});

test("another instance's change wakes the read through Redis", async () => {
  const id = await place('w-2');
  const read = get(b.base, 'w-2', id, '?wait=20');
  await new Promise((r) => setTimeout(r, 200));
  // Tracked by A; B holds the read, and its recheck (a minute) cannot be what answers it.
  const completedAt = await runSaga(a, id, read.state);
  const { status, body } = await read.answer;
  expect(status).toBe(200);
  expect(body).toMatchObject({ id, completed: true, status: 'CONFIRMED' });
  expect(Date.now() - completedAt).toBeLessThan(2_000);
});

test('at its deadline a held read answers with the order as it is; without wait it answers at once', async () => {
  const id = await place('w-3');
  const held = get(a.base, 'w-3', id, '?wait=1');
  const { status, body } = await held.answer;
  expect(status).toBe(200);
  expect(body).toMatchObject({ id, status: 'PENDING', completed: false });
  expect(held.state.ms).toBeGreaterThanOrEqual(1_000);
  expect(held.state.ms).toBeLessThan(3_000);
  const now = get(a.base, 'w-3', id);
  expect((await now.answer).body).toMatchObject({ id, completed: false });
  expect(now.state.ms).toBeLessThan(1_000);
});

test("a bad wait is a 400 naming it, and another customer's order is a 404 at once", async () => {
  const id = await place('w-4');
  const bad = await get(a.base, 'w-4', id, '?wait=31').answer;
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain('query.wait');
  const other = get(a.base, 'someone-else', id, '?wait=20');
  expect((await other.answer).status).toBe(404);
  expect(other.state.ms).toBeLessThan(1_000);
});

test('a client that hangs up frees its place, and stopping answers every held read', async () => {
  const id = await place('w-5');
  const abort = new AbortController();
  const gone = get(a.base, 'w-5', id, '?wait=20', abort.signal);
  gone.answer.catch(() => undefined);
  await new Promise((r) => setTimeout(r, 200));
  expect(a.changes.size).toBe(1);
  abort.abort();
  await new Promise((r) => setTimeout(r, 200));
  expect(a.changes.size).toBe(0);

  const held = get(a.base, 'w-5', id, '?wait=20');
  await new Promise((r) => setTimeout(r, 200));
  await a.changes.stop();
  const { status, body } = await held.answer;
  expect(status).toBe(200);
  expect(body).toMatchObject({ id, completed: false });
  expect(held.state.ms).toBeLessThan(2_000);
  // A stopped instance holds nothing new: the read answers at once.
  const after = get(a.base, 'w-5', id, '?wait=20');
  await after.answer;
  expect(after.state.ms).toBeLessThan(1_000);
});
