// inventory_updated OUT_OF_STOCK on the real topic for a paid order → one refund, the payment REFUNDED,
// payment_refunded on the real topic (with the customer to tell); RESERVED refunds nothing. Assertions
// count only what this instance stored and published (a running stack may share the topics).
import { randomUUID } from 'node:crypto';
import {
  Topics,
  inventoryUpdated,
  orderCreated,
  paymentRefunded,
  type InventoryUpdated,
  type OrderCreated,
} from '@orderflow/contracts';
import { createKafka, createLogger, createProducer, adminKafkaSecurity } from '@orderflow/platform';
import type { Producer } from 'kafkajs';
import { TopicProbe, eventually, probeKafka, testOrderId } from '../../../../tests/support/topic-probe';
import { startPayment, type PaymentHarness } from '../../test/harness';
import { adminHeaders } from '../../../../tests/support/auth';

jest.setTimeout(60_000);

let harness: PaymentHarness;
let probe: TopicProbe;
let producer: Producer;

async function send(
  topic: string,
  key: string,
  value: Buffer,
  headers: Record<string, string> = {},
): Promise<void> {
  await producer.send({ topic, acks: -1, messages: [{ key, value, headers }] });
}

/** Publishes an order_created and waits until the service charged it; returns the payment id. */
async function paidOrder(): Promise<{ order: OrderCreated; paymentId: string }> {
  const order: OrderCreated = {
    eventId: randomUUID(),
    occurredAt: new Date(),
    orderId: testOrderId(),
    customer: { id: 'cust-9', email: 'grace@example.com', name: 'Grace' },
    lines: [{ sku: 'SKU-1', quantity: 3, unitPriceMinor: 1999 }],
    amountMinor: 5997,
    currency: 'USD',
    paymentToken: null,
  };
  await send(
    Topics.OrderCreated,
    order.orderId,
    await orderCreated.codec(harness.registry, { autoRegister: true }).encode(order),
  );
  let paymentId = '';
  await eventually('the order charged', async () => {
    const p = await harness.service.db.payment.findUnique({ where: { orderId: order.orderId } });
    paymentId = p?.id ?? '';
    return p?.status === 'SUCCEEDED';
  });
  return { order, paymentId };
}

function inventoryEvent(
  order: OrderCreated,
  paymentId: string,
  status: InventoryUpdated['status'],
): InventoryUpdated {
  return {
    eventId: randomUUID(),
    occurredAt: new Date(),
    orderId: order.orderId,
    status,
    reservationId: status === 'RESERVED' ? randomUUID() : null,
    shortLines: status === 'OUT_OF_STOCK' ? [{ sku: 'SKU-1', requested: 3, available: 0 }] : [],
    paymentId,
    amountMinor: order.amountMinor,
    currency: order.currency,
    customer: order.customer,
  };
}

beforeAll(async () => {
  harness = await startPayment('refund');
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

test('OUT_OF_STOCK for a paid order (delivered twice): one refund of the full charge, payment REFUNDED, one payment_refunded', async () => {
  const { order, paymentId } = await paidOrder();
  const event = inventoryEvent(order, paymentId, 'OUT_OF_STOCK');
  const bytes = await inventoryUpdated.codec(harness.registry, { autoRegister: true }).encode(event);
  await send(Topics.InventoryUpdated, order.orderId, bytes, { 'correlation-id': 'corr-refund' });
  await send(Topics.InventoryUpdated, order.orderId, bytes, { 'correlation-id': 'corr-refund' });
  const again = { ...event, eventId: randomUUID() };
  await send(
    Topics.InventoryUpdated,
    order.orderId,
    await inventoryUpdated.codec(harness.registry).encode(again),
  );

  const codec = paymentRefunded.codec(harness.registry);
  const [found] = await probe.waitForEvents(
    Topics.PaymentRefunded,
    order.orderId,
    (b) => codec.decode(b),
    harness.published,
  );
  const { message, event: refunded } = found!;
  expect(refunded).toMatchObject({
    orderId: order.orderId,
    paymentId,
    amountMinor: 5997,
    currency: 'USD',
    reason: 'OUT_OF_STOCK',
    customer: order.customer,
  });
  expect(message.headers).toMatchObject({ 'correlation-id': 'corr-refund', 'causation-id': event.eventId });

  // Same key, same partition: once the last delivery is in the inbox, all three were handled.
  await eventually(
    'all three deliveries consumed',
    async () => (await harness.service.db.inboxEvent.count({ where: { eventId: again.eventId } })) === 1,
  );
  await new Promise((r) => setTimeout(r, 1500));
  const refunds = await harness.service.db.refund.findMany({ where: { orderId: order.orderId } });
  expect(refunds).toHaveLength(1);
  expect({ id: refunds[0]!.id, amount: refunds[0]!.amount, paymentId: refunds[0]!.paymentId }).toEqual({
    id: refunded.refundId,
    amount: 5997n,
    paymentId,
  });
  expect(
    (await harness.service.db.payment.findUniqueOrThrow({ where: { orderId: order.orderId } })).status,
  ).toBe('REFUNDED');
  expect(
    await probe.waitForEvents(
      Topics.PaymentRefunded,
      order.orderId,
      (b) => codec.decode(b),
      harness.published,
    ),
  ).toHaveLength(1);
  expect(
    (
      await harness.service.db.outboxEvent.findMany({ where: { key: order.orderId }, orderBy: { id: 'asc' } })
    ).map((r) => r.topic),
  ).toEqual([Topics.PaymentSuccessful, Topics.PaymentRefunded]);

  const res = await fetch(`${harness.baseUrl}/payments/${order.orderId}`, { headers: await adminHeaders() });
  expect(await res.json()).toMatchObject({
    status: 'REFUNDED',
    refund: { refundId: refunded.refundId, amountMinor: 5997, currency: 'USD', reason: 'OUT_OF_STOCK' },
  });
});

test('RESERVED refunds nothing: the payment stays SUCCEEDED and no payment_refunded is published', async () => {
  const { order, paymentId } = await paidOrder();
  const event = inventoryEvent(order, paymentId, 'RESERVED');
  await send(
    Topics.InventoryUpdated,
    order.orderId,
    await inventoryUpdated.codec(harness.registry, { autoRegister: true }).encode(event),
  );
  await eventually(
    'the event consumed',
    async () => (await harness.service.db.inboxEvent.count({ where: { eventId: event.eventId } })) === 1,
  );
  await new Promise((r) => setTimeout(r, 1000));
  expect(
    (await harness.service.db.payment.findUniqueOrThrow({ where: { orderId: order.orderId } })).status,
  ).toBe('SUCCEEDED');
  expect(await harness.service.db.refund.count({ where: { orderId: order.orderId } })).toBe(0);
  expect(
    (
      await harness.service.db.outboxEvent.findMany({ where: { key: order.orderId }, orderBy: { id: 'asc' } })
    ).map((r) => r.topic),
  ).toEqual([Topics.PaymentSuccessful]);
});

test('GET /payments/{orderId}: 404 problem for an order never charged, 400 naming orderId for a malformed id', async () => {
  const missing = await fetch(`${harness.baseUrl}/payments/${randomUUID()}`, {
    headers: await adminHeaders(),
  });
  expect(missing.status).toBe(404);
  expect(missing.headers.get('content-type')).toContain('application/problem+json');
  const bad = await fetch(`${harness.baseUrl}/payments/not-a-uuid`, { headers: await adminHeaders() });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({
    code: 'VALIDATION_FAILED',
    errors: [{ path: 'path.orderId', message: 'must be a UUID' }],
  });
});
