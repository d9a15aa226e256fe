// The saga tracker's effect on a real (scratch, migrated) order database: events of one order arriving
// in any order across topics end in the same state, a redelivered event adds nothing, a terminal status
// is never regressed, and an event the order's records contradict is refused (the transaction rolls back:
// nothing in the status or the timeline) with a PermanentEventError the runtime dead-letters. A saga is
// counted in the saga metrics exactly once: by the committed transition that completes it.
import { randomUUID } from 'node:crypto';
import {
  createLogger,
  createMetricsRegistry,
  databasePool,
  prismaTransactions,
  eventHeaders,
  type EventContext,
} from '@orderflow/platform';
import { REGISTRY_URL } from '@orderflow/platform/testing';
import { SchemaRegistryClient } from '@orderflow/codec';
import { orderCreatedCodec } from '@orderflow/contracts';
import { scratchDatabase } from '../../../../tests/support/scratch-database';
import { createDb, type OrderDb } from '../db';
import type { SagaFact } from './decide';
import type { OrderCache } from '../order-cache';
import { loadOrderView } from '../order-view';
import { placeOrder } from '../placing-order/place-order';
import { sagaMetrics } from '../saga-metrics';
import { recordPrice, sagasCounted } from '../../test/harness';
import { trackEvent, trackEvents, type TrackerDeps } from './handler';

const logger = createLogger({ service: 'order-test', level: 'silent' });
const invalidated: string[] = [];
const cache = {
  invalidate: (id: string) => Promise.resolve(void invalidated.push(id)),
  invalidateMany: (ids: Iterable<string>) => Promise.resolve(void invalidated.push(...ids)),
} as unknown as OrderCache;
const metrics = createMetricsRegistry('order-test', { defaultMetrics: false });
const deps: TrackerDeps = { cache, metrics: sagaMetrics(metrics) };
// The outbox stores the encoded event: the codec resolves its schema id from the real registry.
const orderCreated = orderCreatedCodec(new SchemaRegistryClient({ url: REGISTRY_URL }));
let db: { url: string; drop: () => Promise<void> };
let prisma: OrderDb;
let writes: ReturnType<typeof databasePool>;

beforeAll(async () => {
  db = await scratchDatabase('order', 'track_test');
  prisma = createDb(db.url);
  writes = databasePool(db.url, { poolSize: 2 });
  await recordPrice(prisma, 'SKU-1', 100);
});

afterAll(async () => {
  await prisma.$disconnect();
  await writes.end();
  await db.drop();
});

async function newOrder(): Promise<string> {
  const placed = await placeOrder(
    { prisma, writes, orderCreated },
    {
      customer: { id: 'c-1', email: 'ada@example.com' },
      lines: [{ sku: 'SKU-1', quantity: 1 }],
      currency: 'EUR',
    },
    { owner: 'c-1', headers: eventHeaders() },
  );
  return placed.order.id;
}

interface Delivery {
  topic: string;
  fact: SagaFact;
  eventId: string;
  occurredAt: Date;
}

function ctxOf(d: Delivery): EventContext {
  return {
    topic: d.topic,
    partition: 0,
    offset: '0',
    headers: {},
    correlationId: undefined,
    traceparent: undefined,
    eventId: d.eventId,
    log: logger,
    outgoingHeaders: () => eventHeaders(),
  } satisfies EventContext;
}

async function deliver(orderId: string, d: Delivery): Promise<void> {
  await prismaTransactions(prisma)((tx) =>
    trackEvent(
      deps,
      tx,
      ctxOf(d),
      { eventId: d.eventId, orderId, occurredAt: d.occurredAt },
      d.fact,
      `${d.topic} detail`,
    ),
  );
}

const PAYMENT = '0190a000-0000-7000-8000-000000000001';
/** The charge of every order newOrder() places: 1 × 100 EUR. */
const charge = { paymentId: PAYMENT, amountMinor: 100, currency: 'EUR' };

function journey(): Delivery[] {
  const t = Date.now();
  return [
    {
      topic: 'payment_successful',
      fact: { kind: 'payment_successful', ...charge },
      eventId: randomUUID(),
      occurredAt: new Date(t + 10),
    },
    {
      topic: 'inventory_updated',
      fact: { kind: 'inventory_updated', outcome: 'RESERVED', ...charge },
      eventId: randomUUID(),
      occurredAt: new Date(t + 20),
    },
    {
      topic: 'notification_sent',
      fact: { kind: 'notification_sent', outcome: 'ORDER_CONFIRMED' },
      eventId: randomUUID(),
      occurredAt: new Date(t + 30),
    },
  ];
}

const deferredRows = (orderId: string) =>
  prisma.$queryRawUnsafe<{ type: string; refused_reason: string | null }[]>(
    `SELECT type, refused_reason FROM order_deferred_events WHERE order_id = $1::uuid ORDER BY id`,
    orderId,
  );

test('notification_sent first, then inventory_updated, then payment_successful: deferred, then CONFIRMED, notified, timeline by time', async () => {
  const orderId = await newOrder();
  const [paid, reserved, notified] = journey() as [Delivery, Delivery, Delivery];
  await deliver(orderId, notified);
  await deliver(orderId, reserved);
  // Neither is supported before the payment is recorded: kept aside, not in the status or the timeline.
  let order = await loadOrderView(prisma, orderId);
  expect(order?.status).toBe('PENDING');
  expect(order?.timeline.map((e) => e.type)).toEqual(['order_created']);
  expect((await deferredRows(orderId)).map((r) => r.type)).toEqual([
    'notification_sent',
    'inventory_updated',
  ]);
  await deliver(orderId, paid);
  order = await loadOrderView(prisma, orderId);
  expect(order?.status).toBe('CONFIRMED');
  expect(order?.completed).toBe(true);
  expect(order?.timeline.map((e) => e.type)).toEqual([
    'order_created',
    'payment_successful',
    'inventory_updated',
    'notification_sent',
  ]);
  expect(await deferredRows(orderId)).toEqual([]);
});

test('a reservation deferred by a transaction the payment waited for is applied by the payment (no order left PAID)', async () => {
  const orderId = await newOrder();
  const [paid, reserved] = journey() as [Delivery, Delivery, Delivery];
  // Transaction A defers the reservation (no payment recorded yet) and holds the order's lock a while.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let deferredInA!: () => void;
  const deferred = new Promise<void>((r) => (deferredInA = r));
  const a = prismaTransactions(prisma)(async (tx) => {
    await trackEvent(
      deps,
      tx,
      ctxOf(reserved),
      { eventId: reserved.eventId, orderId, occurredAt: reserved.occurredAt },
      reserved.fact,
      'reserved',
    );
    deferredInA();
    await held;
  });
  await deferred;
  // Transaction B (the payment) starts while A holds the lock, so it waits for A's commit.
  const b = deliver(orderId, paid);
  for (let i = 0; i < 100; i++) {
    const [w] = await prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if ((w?.n ?? 0) > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  release();
  await Promise.all([a, b]);
  const order = await loadOrderView(prisma, orderId);
  expect(order?.status).toBe('CONFIRMED');
  expect(order?.timeline.map((e) => e.type)).toEqual([
    'order_created',
    'payment_successful',
    'inventory_updated',
  ]);
  expect(await deferredRows(orderId)).toEqual([]);
});

test('a redelivered event adds no second timeline entry and changes nothing', async () => {
  const orderId = await newOrder();
  const [paid] = journey() as [Delivery];
  await deliver(orderId, paid);
  await deliver(orderId, paid);
  const order = await loadOrderView(prisma, orderId);
  expect(order?.status).toBe('PAID');
  expect(order?.timeline.map((e) => e.type)).toEqual(['order_created', 'payment_successful']);
});

test('a RESERVED for a declined order is refused: PermanentEventError, status and timeline unchanged', async () => {
  const orderId = await newOrder();
  await deliver(orderId, {
    topic: 'payment_failed',
    fact: { kind: 'payment_failed', ...charge },
    eventId: randomUUID(),
    occurredAt: new Date(),
  });
  const forged = deliver(orderId, {
    topic: 'inventory_updated',
    fact: { kind: 'inventory_updated', outcome: 'RESERVED', ...charge },
    eventId: randomUUID(),
    occurredAt: new Date(),
  });
  await expect(forged).rejects.toMatchObject({
    name: 'PermanentEventError',
    code: 'INCONSISTENT_EVENT',
    message: expect.stringMatching(/payment was declined/) as unknown,
  });
  const order = await loadOrderView(prisma, orderId);
  expect(order?.status).toBe('PAYMENT_FAILED');
  expect(order?.timeline.map((e) => e.type)).toEqual(['order_created', 'payment_failed']);
});

test('a payment_successful of another amount is refused; the order stays PENDING', async () => {
  const orderId = await newOrder();
  await expect(
    deliver(orderId, {
      topic: 'payment_successful',
      fact: { kind: 'payment_successful', ...charge, amountMinor: 1 },
      eventId: randomUUID(),
      occurredAt: new Date(),
    }),
  ).rejects.toMatchObject({
    code: 'INCONSISTENT_EVENT',
    message: expect.stringMatching(/names 1 EUR/) as unknown,
  });
  const order = await loadOrderView(prisma, orderId);
  expect(order?.status).toBe('PENDING');
  expect(order?.timeline).toHaveLength(1);
});

test('a forged RESERVED that came before the payment is refused once the real payment names another id', async () => {
  const orderId = await newOrder();
  const [paid] = journey() as [Delivery];
  await deliver(orderId, {
    topic: 'inventory_updated',
    fact: { kind: 'inventory_updated', outcome: 'RESERVED', ...charge, paymentId: randomUUID() },
    eventId: randomUUID(),
    occurredAt: new Date(),
  });
  await deliver(orderId, paid);
  const order = await loadOrderView(prisma, orderId);
  expect(order?.status).toBe('PAID');
  expect(order?.timeline.map((e) => e.type)).toEqual(['order_created', 'payment_successful']);
  const rows = await deferredRows(orderId);
  expect(rows).toEqual([
    { type: 'inventory_updated', refused_reason: expect.stringMatching(/paid by payment/) as unknown },
  ]);
});

test('an event for an order this database does not have is ignored: nothing written, nothing deferred', async () => {
  const ghost = randomUUID();
  await deliver(ghost, journey()[0]!);
  expect(await loadOrderView(prisma, ghost)).toBeUndefined();
  expect(await deferredRows(ghost)).toEqual([]);
});

test('a completed order moves orderflow_sagas_completed_total and the duration histogram by exactly one; redelivered events by nothing', async () => {
  const before = await sagasCounted(metrics, 'confirmed');
  const placedAt = Date.now();
  const orderId = await newOrder();
  const [paid, reserved, notified] = journey() as [Delivery, Delivery, Delivery];
  await deliver(orderId, paid);
  await deliver(orderId, reserved);
  // CONFIRMED, but the customer was not told yet: not completed, not counted.
  expect(await sagasCounted(metrics, 'confirmed')).toEqual(before);
  await deliver(orderId, notified);
  const elapsed = (Date.now() - placedAt) / 1000;
  const after = await sagasCounted(metrics, 'confirmed');
  expect(after.completed - before.completed).toBe(1);
  expect(after.observed - before.observed).toBe(1);
  // The observed duration runs from the order's creation to the completing commit.
  expect(after.seconds - before.seconds).toBeGreaterThan(0);
  // (The histogram's sum is a float: 0.014 observed can read 0.014000000000000012 after a subtraction.)
  expect(after.seconds - before.seconds).toBeLessThanOrEqual(elapsed + 1e-9);
  for (const d of [notified, reserved, paid, notified]) await deliver(orderId, d);
  expect(await sagasCounted(metrics, 'confirmed')).toEqual(after);
  expect((await loadOrderView(prisma, orderId))?.completed).toBe(true);
});

test('a transaction that completes a saga but rolls back counts nothing; its retry counts it once', async () => {
  const before = await sagasCounted(metrics, 'payment_failed');
  const orderId = await newOrder();
  const declined: Delivery = {
    topic: 'payment_failed',
    fact: { kind: 'payment_failed', ...charge },
    eventId: randomUUID(),
    occurredAt: new Date(),
  };
  const told: Delivery = {
    topic: 'notification_sent',
    fact: { kind: 'notification_sent', outcome: 'PAYMENT_FAILED' },
    eventId: randomUUID(),
    occurredAt: new Date(),
  };
  const item = (d: Delivery) => ({
    event: { eventId: d.eventId, orderId, occurredAt: d.occurredAt },
    ctx: ctxOf(d),
    fact: d.fact,
    detail: `${d.topic} detail`,
  });
  // The tracker completes the saga, then the transaction fails after it (as when the runtime's inbox
  // write or the commit fails): it rolls back, and the runtime retries the events later.
  await expect(
    prismaTransactions(prisma)(async (tx) => {
      await trackEvents(deps, tx, [item(declined), item(told)]);
      throw new Error('the database went away before the commit');
    }),
  ).rejects.toThrow('the database went away');
  expect((await loadOrderView(prisma, orderId))?.status).toBe('PENDING');
  expect(await sagasCounted(metrics, 'payment_failed')).toEqual(before);
  await deliver(orderId, declined);
  await deliver(orderId, told);
  const after = await sagasCounted(metrics, 'payment_failed');
  expect([after.completed - before.completed, after.observed - before.observed]).toEqual([1, 1]);
});
