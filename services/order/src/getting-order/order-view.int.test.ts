// GET /orders/{id}'s one-statement read (loadOrderViewSql, on pg) against the Prisma read it replaced
// (loadOrderView), on a real scratch order database: the same view at every step of a journey, for a
// customer with and without a name, multi-line orders, timelines, notified or not, and no view for an order that does not exist.
import { randomUUID } from 'node:crypto';
import { createMetricsRegistry, databasePool, eventHeaders } from '@orderflow/platform';
import { REGISTRY_URL } from '@orderflow/platform/testing';
import { SchemaRegistryClient } from '@orderflow/codec';
import { orderCreatedCodec } from '@orderflow/contracts';
import { scratchDatabase } from '../../../../tests/support/scratch-database';
import { recordPrice, trackOne } from '../../test/harness';
import { createDb, type OrderDb } from '../db';
import { loadOrderView, loadOrderViewSql } from '../order-view';
import { placeOrder } from '../placing-order/place-order';
import { sagaMetrics } from '../saga-metrics';
import type { SagaFact } from '../tracking-saga/decide';

const cache = { invalidateMany: () => Promise.resolve() };
const metrics = sagaMetrics(createMetricsRegistry('order-view-test', { defaultMetrics: false }));
const orderCreated = orderCreatedCodec(new SchemaRegistryClient({ url: REGISTRY_URL }));
let db: { url: string; drop: () => Promise<void> };
let prisma: OrderDb;
let pool: ReturnType<typeof databasePool>;

beforeAll(async () => {
  db = await scratchDatabase('order', 'view_test');
  prisma = createDb(db.url);
  pool = databasePool(db.url, { poolSize: 2 });
  await recordPrice(prisma, 'SKU-1', 100);
  await recordPrice(prisma, 'SKU-2', 999_999_999);
});

afterAll(async () => {
  await prisma.$disconnect();
  await pool.end();
  await db.drop();
});

async function bothViews(orderId: string) {
  const viaPrisma = await loadOrderView(prisma, orderId);
  const viaSql = await loadOrderViewSql(pool, orderId);
  expect(viaSql).toStrictEqual(viaPrisma);
  return viaSql;
}

function deliver(orderId: string, topic: string, fact: SagaFact, detail: string, occurredAt: Date) {
  return trackOne({ prisma, cache, metrics }, { orderId, topic, fact, detail, occurredAt });
}

test('the one-statement read shows the same order as the Prisma read at every step of a journey', async () => {
  const placed = await placeOrder(
    { prisma, writes: pool, orderCreated },
    {
      customer: { id: 'c-1', email: 'ada@example.com', name: 'Ada Lovelace' },
      lines: [
        { sku: 'SKU-1', quantity: 3 },
        { sku: 'SKU-2', quantity: 2 },
      ],
      currency: 'EUR',
    },
    { owner: 'c-1', headers: eventHeaders() },
  );
  const id = placed.order.id;
  const created = await bothViews(id);
  expect(created).toMatchObject({
    status: 'PENDING',
    amountMinor: 300 + 2 * 999_999_999,
    completed: false,
  });
  expect(created?.lines.map((l) => l.sku)).toEqual(['SKU-1', 'SKU-2']);

  const charge = { paymentId: randomUUID(), amountMinor: 300 + 2 * 999_999_999, currency: 'EUR' };
  const t = Date.now();
  await deliver(
    id,
    'payment_successful',
    { kind: 'payment_successful', ...charge },
    'charged',
    new Date(t + 7),
  );
  expect((await bothViews(id))?.status).toBe('PAID');
  await deliver(
    id,
    'inventory_updated',
    { kind: 'inventory_updated', outcome: 'RESERVED', ...charge },
    'reserved',
    new Date(t + 8),
  );
  await deliver(
    id,
    'notification_sent',
    { kind: 'notification_sent', outcome: 'ORDER_CONFIRMED' },
    'told',
    new Date(t + 9),
  );
  const done = await bothViews(id);
  expect(done).toMatchObject({ status: 'CONFIRMED', completed: true });
  expect(done?.notifiedAt).not.toBeNull();
  expect(done?.timeline.map((e) => e.type)).toEqual([
    'order_created',
    'payment_successful',
    'inventory_updated',
    'notification_sent',
  ]);
});

test('a customer without a name, and an order that does not exist', async () => {
  const placed = await placeOrder(
    { prisma, writes: pool, orderCreated },
    {
      customer: { id: 'c-2', email: 'bob@example.com' },
      lines: [{ sku: 'SKU-1', quantity: 1 }],
      currency: 'EUR',
    },
    { owner: 'c-2', headers: eventHeaders() },
  );
  expect((await bothViews(placed.order.id))?.customer).toEqual({ id: 'c-2', email: 'bob@example.com' });
  expect(await bothViews(randomUUID())).toBeUndefined();
});
