// order_expired on the real topic: a charged order is refunded once (reason ORDER_EXPIRED) however often
// the expiry is delivered; an order that expires before it is charged is never charged by its late
// order_created. Assertions count only what this instance stored and published (a running stack may
// share the topics).
import { randomUUID } from 'node:crypto';
import {
  Topics,
  orderCreated,
  orderExpired,
  paymentRefunded,
  type OrderCreated,
  type OrderExpired,
} from '@orderflow/contracts';
import { createKafka, createLogger, createProducer, adminKafkaSecurity } from '@orderflow/platform';
import type { Producer } from 'kafkajs';
import { TopicProbe, eventually, probeKafka, testOrderId } from '../../../../tests/support/topic-probe';
import { startPayment, type PaymentHarness } from '../../test/harness';

jest.setTimeout(60_000);

let harness: PaymentHarness;
let probe: TopicProbe;
let producer: Producer;

function newOrder(): OrderCreated {
  return {
    eventId: randomUUID(),
    occurredAt: new Date(),
    orderId: testOrderId(),
    customer: { id: 'cust-7', email: 'grace@example.com', name: 'Grace' },
    lines: [{ sku: 'SKU-1', quantity: 2, unitPriceMinor: 1250 }],
    amountMinor: 2500,
    currency: 'EUR',
    paymentToken: null,
  };
}

function expiryOf(order: OrderCreated): OrderExpired {
  const now = new Date();
  return {
    eventId: randomUUID(),
    occurredAt: now,
    orderId: order.orderId,
    reason: 'SAGA_DEADLINE_EXCEEDED',
    statusAtExpiry: 'PAID',
    deadlineAt: now,
    amountMinor: order.amountMinor,
    currency: order.currency,
    customer: order.customer,
  };
}

async function send(key: string, topic: string, value: Buffer): Promise<void> {
  await producer.send({ topic, acks: -1, messages: [{ key, value }] });
}

const encodeOrder = async (o: OrderCreated) =>
  orderCreated.codec(harness.registry, { autoRegister: true }).encode(o);
const encodeExpiry = async (e: OrderExpired) =>
  orderExpired.codec(harness.registry, { autoRegister: true }).encode(e);
const consumed = (eventId: string) => async () =>
  (await harness.service.db.inboxEvent.count({ where: { eventId } })) === 1;

beforeAll(async () => {
  harness = await startPayment('expired');
  probe = await TopicProbe.start(probeKafka(), [Topics.PaymentRefunded]);
  producer = await createProducer(
    createKafka({
      clientId: 'payment-int-test',
      brokers: ['localhost:9092'],
      security: adminKafkaSecurity(),
      logger: createLogger({ service: 'test', level: 'silent' }),
    }),
  );
});

afterAll(async () => {
  await producer?.disconnect();
  await probe?.stop();
  await harness?.stop();
});

test('a charged order that expired (delivered twice, then again under a new id): one full refund, reason ORDER_EXPIRED', async () => {
  const order = newOrder();
  await send(order.orderId, Topics.OrderCreated, await encodeOrder(order));
  await eventually(
    'the order charged',
    async () =>
      (await harness.service.db.payment.findUnique({ where: { orderId: order.orderId } }))?.status ===
      'SUCCEEDED',
  );
  const expiry = expiryOf(order);
  const bytes = await encodeExpiry(expiry);
  await send(order.orderId, Topics.OrderExpired, bytes);
  await send(order.orderId, Topics.OrderExpired, bytes);
  const again = { ...expiry, eventId: randomUUID() };
  await send(order.orderId, Topics.OrderExpired, await encodeExpiry(again));

  const codec = paymentRefunded.codec(harness.registry);
  const [found] = await probe.waitForEvents(
    Topics.PaymentRefunded,
    order.orderId,
    (b) => codec.decode(b),
    harness.published,
  );
  expect(found!.event).toMatchObject({
    orderId: order.orderId,
    amountMinor: 2500,
    currency: 'EUR',
    reason: 'ORDER_EXPIRED',
    customer: order.customer,
  });
  expect(found!.message.headers).toMatchObject({ 'causation-id': expiry.eventId });
  await eventually('all three deliveries consumed', consumed(again.eventId));
  await new Promise((r) => setTimeout(r, 1500));
  const refunds = await harness.service.db.refund.findMany({ where: { orderId: order.orderId } });
  expect(refunds.map((r) => ({ id: r.id, amount: r.amount, reason: r.reason }))).toEqual([
    { id: found!.event.refundId, amount: 2500n, reason: 'ORDER_EXPIRED' },
  ]);
  expect(
    (await harness.service.db.payment.findUniqueOrThrow({ where: { orderId: order.orderId } })).status,
  ).toBe('REFUNDED');
  expect(
    (
      await harness.service.db.outboxEvent.findMany({ where: { key: order.orderId }, orderBy: { id: 'asc' } })
    ).map((r) => r.topic),
  ).toEqual([Topics.PaymentSuccessful, Topics.PaymentRefunded]);
});

test('an order that expired before it was charged: its late order_created charges nothing and publishes nothing', async () => {
  const order = newOrder();
  const expiry = { ...expiryOf(order), statusAtExpiry: 'PENDING' as const };
  await send(order.orderId, Topics.OrderExpired, await encodeExpiry(expiry));
  await eventually('the expiry consumed', consumed(expiry.eventId));
  expect(await harness.service.db.expiredOrder.count({ where: { orderId: order.orderId } })).toBe(1);
  expect(await harness.service.db.refund.count({ where: { orderId: order.orderId } })).toBe(0);

  await send(order.orderId, Topics.OrderCreated, await encodeOrder(order));
  await eventually('the late order_created consumed', consumed(order.eventId));
  await new Promise((r) => setTimeout(r, 1000));
  expect(await harness.service.db.payment.count({ where: { orderId: order.orderId } })).toBe(0);
  expect(await harness.service.db.outboxEvent.count({ where: { key: order.orderId } })).toBe(0);
});
