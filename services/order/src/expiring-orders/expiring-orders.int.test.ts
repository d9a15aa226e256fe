// The deadline sweeper on a real (scratch, migrated) order database: an order still PENDING or PAID past
// its deadline ends EXPIRED with a timeline entry saying why and one order_expired in the outbox, in one
// transaction; final and in-time orders are left alone; sweepers running at once (SKIP LOCKED) expire
// each order exactly once; a late saga event never moves the expired order.
import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient } from '@orderflow/codec';
import { orderCreatedCodec, orderExpiredCodec, Topics } from '@orderflow/contracts';
import { createLogger, createMetricsRegistry, databasePool, eventHeaders } from '@orderflow/platform';
import { REGISTRY_URL } from '@orderflow/platform/testing';
import { scratchDatabase } from '../../../../tests/support/scratch-database';
import { createDb, type OrderDb } from '../db';
import type { OrderCache } from '../order-cache';
import { loadOrderView } from '../order-view';
import { placeOrder } from '../placing-order/place-order';
import { sagaMetrics } from '../saga-metrics';
import { recordPrice, sagasCounted, trackOne } from '../../test/harness';
import type { SagaFact } from '../tracking-saga/decide';
import { expireOverdueOrders, type ExpiryDeps } from './sweeper';

const logger = createLogger({ service: 'order-test', level: 'silent' });
// The outbox stores encoded events: the codecs resolve their schema ids from the real registry.
const registry = new SchemaRegistryClient({ url: REGISTRY_URL });
const orderCreated = orderCreatedCodec(registry);
const orderExpired = orderExpiredCodec(registry);
const invalidated: string[] = [];
const cache = {
  invalidate: (id: string) => Promise.resolve(void invalidated.push(id)),
  invalidateMany: (ids: Iterable<string>) => Promise.resolve(void invalidated.push(...ids)),
} as unknown as OrderCache;
const metrics = createMetricsRegistry('order-test', { defaultMetrics: false });
const saga = sagaMetrics(metrics);
const DEADLINE_MS = 60_000;
let db: { url: string; drop: () => Promise<void> };
let prisma: OrderDb;
let writes: ReturnType<typeof databasePool>;
let deps: ExpiryDeps;

beforeAll(async () => {
  db = await scratchDatabase('order', 'expiry_test');
  prisma = createDb(db.url);
  writes = databasePool(db.url, { poolSize: 2 });
  deps = { prisma, cache, metrics: saga, orderExpired, logger };
  await recordPrice(prisma, 'SKU-1', 1999);
});

afterAll(async () => {
  await prisma.$disconnect();
  await writes.end();
  await db.drop();
});

/** Places an order and backdates it by `ageMs`, with `status` set as the saga would have. */
async function order(ageMs: number, status = 'PENDING'): Promise<string> {
  const placed = await placeOrder(
    { prisma, writes, orderCreated },
    {
      customer: { id: 'c-1', email: 'ada@example.com', name: 'Ada' },
      lines: [{ sku: 'SKU-1', quantity: 2 }],
      currency: 'EUR',
    },
    { owner: 'c-1', headers: eventHeaders({ correlationId: 'corr-expiry' }) },
  );
  await prisma.$executeRawUnsafe(
    `UPDATE orders SET created_at = now() - make_interval(secs => $2::double precision / 1000), status = $3::order_status WHERE id = $1::uuid`,
    placed.order.id,
    ageMs,
    status,
  );
  return placed.order.id;
}

const outboxOf = (orderId: string) =>
  prisma.outboxEvent.findMany({ where: { key: orderId }, orderBy: { id: 'asc' } });

test('a PAID order past its deadline: EXPIRED, the reason in its timeline, one order_expired in the outbox', async () => {
  const orderId = await order(DEADLINE_MS + 5_000, 'PAID');
  const expired = await expireOverdueOrders(deps, { deadlineMs: DEADLINE_MS, batchSize: 100 });
  expect(expired).toContain(orderId);
  const view = await loadOrderView(prisma, orderId);
  expect(view?.status).toBe('EXPIRED');
  expect(view?.completed).toBe(false);
  const last = view?.timeline.at(-1);
  expect(last).toMatchObject({ type: Topics.OrderExpired });
  expect(last?.detail).toMatch(/^not final 60 s after it was placed \(still PAID\): SAGA_DEADLINE_EXCEEDED/);
  const rows = await outboxOf(orderId);
  expect(rows.map((r) => r.topic)).toEqual([Topics.OrderCreated, Topics.OrderExpired]);
  const payload = (await orderExpired.decode(Buffer.from(rows[1]!.value!))) as unknown as Record<
    string,
    unknown
  >;
  expect(payload).toMatchObject({
    orderId,
    eventId: last?.eventId,
    reason: 'SAGA_DEADLINE_EXCEEDED',
    statusAtExpiry: 'PAID',
    amountMinor: 3998,
    currency: 'EUR',
    customer: { id: 'c-1', email: 'ada@example.com', name: 'Ada' },
  });
  // The compensation keeps the order's correlation id.
  expect(rows[1]!.headers).toMatchObject({ 'correlation-id': 'corr-expiry' });
  expect(invalidated).toContain(orderId);
  // A second sweep finds nothing more to do for it.
  expect(await expireOverdueOrders(deps, { deadlineMs: DEADLINE_MS, batchSize: 100 })).not.toContain(orderId);
  expect(await outboxOf(orderId)).toHaveLength(2);
});

test('orders within their deadline, and final orders however old, are left alone', async () => {
  const young = await order(DEADLINE_MS - 10_000, 'PAID');
  const finals = await Promise.all(
    (['CONFIRMED', 'PAYMENT_FAILED', 'CANCELLED'] as const).map((s) => order(10 * DEADLINE_MS, s)),
  );
  const expired = await expireOverdueOrders(deps, { deadlineMs: DEADLINE_MS, batchSize: 100 });
  for (const id of [young, ...finals]) {
    expect(expired).not.toContain(id);
    expect((await outboxOf(id)).map((r) => r.topic)).toEqual([Topics.OrderCreated]);
  }
  expect((await loadOrderView(prisma, young))?.status).toBe('PAID');
});

test('four sweepers at once, in small batches: every overdue order expired exactly once', async () => {
  const ids = await Promise.all(Array.from({ length: 12 }, () => order(DEADLINE_MS + 1_000)));
  const sweep = async (): Promise<string[]> => {
    const all: string[] = [];
    for (;;) {
      const batch = await expireOverdueOrders(deps, { deadlineMs: DEADLINE_MS, batchSize: 2 });
      all.push(...batch);
      if (batch.length === 0) return all;
    }
  };
  const results = (await Promise.all([sweep(), sweep(), sweep(), sweep()])).flat();
  const mine = results.filter((id) => ids.includes(id));
  expect(mine.sort()).toEqual([...ids].sort());
  const [row] = await prisma.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM outbox WHERE topic = $1 AND key = ANY($2::text[])`,
    Topics.OrderExpired,
    ids,
  );
  expect(row?.n).toBe(12);
});

test('late saga events are recorded in the timeline but never move an expired order', async () => {
  const orderId = await order(DEADLINE_MS + 1_000, 'PAID');
  // The payment the tracker recorded when the order became PAID: later events must name it.
  const paymentId = randomUUID();
  await prisma.$executeRawUnsafe(
    `UPDATE orders SET payment_id = $2::uuid WHERE id = $1::uuid`,
    orderId,
    paymentId,
  );
  const charge = { paymentId, amountMinor: 3998, currency: 'EUR' };
  await expireOverdueOrders(deps, { deadlineMs: DEADLINE_MS, batchSize: 100 });
  const deliver = (topic: string, fact: SagaFact): Promise<void> =>
    trackOne({ prisma, cache, metrics: saga }, { orderId, topic, fact, detail: `${topic} late` });
  await deliver(Topics.InventoryUpdated, { kind: 'inventory_updated', outcome: 'RESERVED', ...charge });
  await deliver(Topics.NotificationSent, { kind: 'notification_sent', outcome: 'ORDER_CONFIRMED' });
  await deliver(Topics.PaymentRefunded, { kind: 'payment_refunded', reason: 'ORDER_EXPIRED', ...charge });
  let view = await loadOrderView(prisma, orderId);
  expect(view?.status).toBe('EXPIRED');
  expect(view?.completed).toBe(false);
  const before = await sagasCounted(metrics, 'expired');
  await deliver(Topics.NotificationSent, { kind: 'notification_sent', outcome: 'ORDER_EXPIRED' });
  view = await loadOrderView(prisma, orderId);
  expect(view?.status).toBe('EXPIRED');
  expect(view?.completed).toBe(true);
  // The expiry notice completed the saga: counted once, as expired.
  const after = await sagasCounted(metrics, 'expired');
  expect([after.completed - before.completed, after.observed - before.observed]).toEqual([1, 1]);
  expect(view?.timeline.map((e) => e.type)).toEqual([
    Topics.OrderCreated,
    Topics.OrderExpired,
    Topics.InventoryUpdated,
    Topics.NotificationSent,
    Topics.PaymentRefunded,
    Topics.NotificationSent,
  ]);
});

test('expiring an order whose customer was already told completes its saga: counted once, as expired', async () => {
  const orderId = await order(DEADLINE_MS + 1_000, 'PENDING');
  // An UNKNOWN notice tells the customer whatever the status (tracking-saga/decide.ts).
  await prisma.$executeRawUnsafe(`UPDATE orders SET notified_at = now() WHERE id = $1::uuid`, orderId);
  const before = await sagasCounted(metrics, 'expired');
  expect(await expireOverdueOrders(deps, { deadlineMs: DEADLINE_MS, batchSize: 100 })).toContain(orderId);
  expect((await loadOrderView(prisma, orderId))?.completed).toBe(true);
  const after = await sagasCounted(metrics, 'expired');
  expect([after.completed - before.completed, after.observed - before.observed]).toEqual([1, 1]);
  // Its age at expiry: at least the deadline it was backdated past.
  expect(after.seconds - before.seconds).toBeGreaterThanOrEqual((DEADLINE_MS + 1_000) / 1000);
  await expireOverdueOrders(deps, { deadlineMs: DEADLINE_MS, batchSize: 100 });
  expect(await sagasCounted(metrics, 'expired')).toEqual(after);
});
