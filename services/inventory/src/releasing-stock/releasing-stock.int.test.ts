// order_expired on the real topic: a reserved order's units go back to `available` exactly once however
// often the expiry is delivered; an order that expires before its payment_successful gets here is never
// reserved by it. Assertions count only what this instance stored and published (a running stack may
// share the topics).
import { randomUUID } from 'node:crypto';
import {
  Topics,
  orderExpired,
  paymentSuccessful,
  type OrderExpired,
  type PaymentSuccessful,
} from '@orderflow/contracts';
import { createKafka, createLogger, createProducer, adminKafkaSecurity } from '@orderflow/platform';
import type { Producer } from 'kafkajs';
import { eventually, testOrderId } from '../../../../tests/support/topic-probe';
import { startInventory, type InventoryHarness } from '../../test/harness';
import { adminHeaders, bearer } from '../../../../tests/support/auth';

jest.setTimeout(90_000);

let harness: InventoryHarness;
let producer: Producer;

const sku = (name: string): string => `T-${randomUUID().slice(0, 8)}-${name}`;

function paid(lines: { sku: string; quantity: number }[]): PaymentSuccessful {
  return {
    eventId: randomUUID(),
    occurredAt: new Date(),
    orderId: testOrderId(),
    paymentId: randomUUID(),
    amountMinor: 100 * lines.length,
    currency: 'EUR',
    customer: { id: 'cust-5', email: 'lin@example.com', name: null },
    lines: lines.map((l) => ({ ...l, unitPriceMinor: 100 })),
  };
}

function expiryOf(orderId: string): OrderExpired {
  const now = new Date();
  return {
    eventId: randomUUID(),
    occurredAt: now,
    orderId,
    reason: 'SAGA_DEADLINE_EXCEEDED',
    statusAtExpiry: 'PAID',
    deadlineAt: now,
    amountMinor: 100,
    currency: 'EUR',
    customer: { id: 'cust-5', email: 'lin@example.com', name: null },
  };
}

async function send(topic: string, key: string, value: Buffer): Promise<void> {
  await producer.send({ topic, acks: -1, messages: [{ key, value }] });
}
const encodePaid = (e: PaymentSuccessful) =>
  paymentSuccessful.codec(harness.registry, { autoRegister: true }).encode(e);
const encodeExpiry = (e: OrderExpired) =>
  orderExpired.codec(harness.registry, { autoRegister: true }).encode(e);
const consumed = (eventId: string) => async () =>
  (await harness.service.db.inboxEvent.count({ where: { eventId } })) === 1;

async function setStock(s: string, available: number): Promise<void> {
  const res = await fetch(`${harness.baseUrl}/inventory/${s}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(await adminHeaders()) },
    body: JSON.stringify({ available }),
  });
  expect(res.status).toBe(200);
}

const stockOf = async (s: string): Promise<{ available: number; reserved: number }> => {
  const row = await harness.service.db.stock.findUniqueOrThrow({ where: { sku: s } });
  return { available: row.available, reserved: row.reserved };
};

const reservationOf = (orderId: string) => harness.service.db.reservation.findUnique({ where: { orderId } });

beforeAll(async () => {
  harness = await startInventory('release');
  producer = await createProducer(
    createKafka({
      clientId: 'inventory-int-test',
      brokers: ['localhost:9092'],
      security: adminKafkaSecurity(),
      logger: createLogger({ service: 'test', level: 'silent' }),
    }),
  );
});

afterAll(async () => {
  await producer?.disconnect();
  await harness?.stop();
});

test('a reserved order that expired (delivered twice, then under a new id): its units back once, the reservation RELEASED', async () => {
  const [a, b] = [sku('A'), sku('B')];
  await setStock(a, 10);
  await setStock(b, 4);
  const payment = paid([
    { sku: b, quantity: 1 },
    { sku: a, quantity: 3 },
    { sku: a, quantity: 2 },
  ]);
  await send(Topics.PaymentSuccessful, payment.orderId, await encodePaid(payment));
  await eventually(
    'the order reserved',
    async () => (await reservationOf(payment.orderId))?.status === 'RESERVED',
  );
  expect(await stockOf(a)).toEqual({ available: 5, reserved: 5 });

  const expiry = expiryOf(payment.orderId);
  const bytes = await encodeExpiry(expiry);
  await send(Topics.OrderExpired, payment.orderId, bytes);
  await send(Topics.OrderExpired, payment.orderId, bytes);
  const again = { ...expiry, eventId: randomUUID() };
  await send(Topics.OrderExpired, payment.orderId, await encodeExpiry(again));
  await eventually('all three deliveries consumed', consumed(again.eventId));

  expect((await reservationOf(payment.orderId))?.status).toBe('RELEASED');
  expect(await stockOf(a)).toEqual({ available: 10, reserved: 0 });
  expect(await stockOf(b)).toEqual({ available: 4, reserved: 0 });
  // Releasing publishes nothing: the only event of the order is its reservation.
  expect(
    (await harness.service.db.outboxEvent.findMany({ where: { key: payment.orderId } })).map((r) => r.topic),
  ).toEqual([Topics.InventoryUpdated]);
  const res = await fetch(`${harness.baseUrl}/inventory/${a}`, { headers: await bearer('int-stock-reader') });
  expect(await res.json()).toMatchObject({ available: 10 });
});

test('an order that expired before its payment_successful got here: the late payment reserves nothing and publishes nothing', async () => {
  const s = sku('LATE');
  await setStock(s, 3);
  const payment = paid([{ sku: s, quantity: 2 }]);
  const expiry = expiryOf(payment.orderId);
  await send(Topics.OrderExpired, payment.orderId, await encodeExpiry(expiry));
  await eventually('the expiry consumed', consumed(expiry.eventId));
  expect((await reservationOf(payment.orderId))?.status).toBe('EXPIRED');

  await send(Topics.PaymentSuccessful, payment.orderId, await encodePaid(payment));
  await eventually('the late payment consumed', consumed(payment.eventId));
  expect((await reservationOf(payment.orderId))?.status).toBe('EXPIRED');
  expect(await stockOf(s)).toEqual({ available: 3, reserved: 0 });
  expect(await harness.service.db.outboxEvent.count({ where: { key: payment.orderId } })).toBe(0);
});
