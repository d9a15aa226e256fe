// The saga tracker's effect on a real (scratch, migrated) order database: events of one order arriving
// in any order across topics end in the same state, a redelivered event adds nothing, and a terminal
// status is never regressed.
import { randomUUID } from 'node:crypto';
import {
  createLogger,
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
import { trackEvent } from './handler';

const logger = createLogger({ service: 'order-test', level: 'silent' });
const invalidated: string[] = [];
const cache = {
  invalidate: (id: string) => Promise.resolve(void invalidated.push(id)),
  invalidateMany: (ids: Iterable<string>) => Promise.resolve(void invalidated.push(...ids)),
} as unknown as OrderCache;
// The outbox stores the encoded event: the codec resolves its schema id from the real registry.
const orderCreated = orderCreatedCodec(new SchemaRegistryClient({ url: REGISTRY_URL }));
let db: { url: string; drop: () => Promise<void> };
let prisma: OrderDb;
let writes: ReturnType<typeof databasePool>;

beforeAll(async () => {
  db = await scratchDatabase('order', 'track_test');
  prisma = createDb(db.url);
  writes = databasePool(db.url, { poolSize: 2 });
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
      lines: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 100 }],
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

async function deliver(orderId: string, d: Delivery): Promise<void> {
  const ctx = {
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
  await prismaTransactions(prisma)((tx) =>
    trackEvent(
      cache,
      tx,
      ctx,
      { eventId: d.eventId, orderId, occurredAt: d.occurredAt },
      d.fact,
      `${d.topic} detail`,
    ),
  );
}

function journey(): Delivery[] {
  const t = Date.now();
  return [
    {
      topic: 'payment_successful',
      fact: { kind: 'payment_successful' },
      eventId: randomUUID(),
      occurredAt: new Date(t + 10),
    },
    {
      topic: 'inventory_updated',
      fact: { kind: 'inventory_updated', outcome: 'RESERVED' },
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

test('notification_sent first, then inventory_updated, then payment_successful: CONFIRMED, notified, timeline by time', async () => {
  const orderId = await newOrder();
  const [paid, reserved, notified] = journey() as [Delivery, Delivery, Delivery];
  for (const d of [notified, reserved, paid]) await deliver(orderId, d);
  const order = await loadOrderView(prisma, orderId);
  expect(order?.status).toBe('CONFIRMED');
  expect(order?.completed).toBe(true);
  expect(order?.timeline.map((e) => e.type)).toEqual([
    'order_created',
    'payment_successful',
    'inventory_updated',
    'notification_sent',
  ]);
  expect(invalidated.filter((id) => id === orderId)).toHaveLength(3);
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

test('a contradicting late event is recorded but never regresses a terminal status', async () => {
  const orderId = await newOrder();
  await deliver(orderId, {
    topic: 'payment_failed',
    fact: { kind: 'payment_failed' },
    eventId: randomUUID(),
    occurredAt: new Date(),
  });
  await deliver(orderId, {
    topic: 'inventory_updated',
    fact: { kind: 'inventory_updated', outcome: 'RESERVED' },
    eventId: randomUUID(),
    occurredAt: new Date(),
  });
  const order = await loadOrderView(prisma, orderId);
  expect(order?.status).toBe('PAYMENT_FAILED');
  expect(order?.timeline).toHaveLength(3);
});

test('an event for an order this database does not have is ignored', async () => {
  const ghost = randomUUID();
  await deliver(ghost, journey()[0]!);
  expect(await loadOrderView(prisma, ghost)).toBeUndefined();
  const [row] = await prisma.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM order_events WHERE order_id = $1::uuid`,
    ghost,
  );
  expect(row?.n).toBe(0);
});
