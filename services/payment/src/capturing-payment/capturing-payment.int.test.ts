// order_created on the real topic → the payment stored once in the payment database → payment_successful
// or payment_failed on the real topic, keyed by orderId, carrying the correlation id and causation id.
// A running stack's own payment service may consume the same events: assertions count only what this
// instance stored and published (its database, its outbox's event ids).
import { randomUUID } from 'node:crypto';
import {
  DeadLetterTopics,
  Topics,
  orderCreated,
  paymentFailed,
  paymentSuccessful,
  type OrderCreated,
} from '@orderflow/contracts';
import { createProducer, createKafka, createLogger, adminKafkaSecurity } from '@orderflow/platform';
import type { Producer } from 'kafkajs';
import { TopicProbe, eventually, probeKafka, testOrderId } from '../../../../tests/support/topic-probe';
import { startPayment, type PaymentHarness } from '../../test/harness';
import { adminHeaders } from '../../../../tests/support/auth';

jest.setTimeout(60_000);

const kafka = probeKafka();
let harness: PaymentHarness;
let probe: TopicProbe;
let producer: Producer;

function order(overrides: Partial<OrderCreated> = {}): OrderCreated {
  return {
    eventId: randomUUID(),
    occurredAt: new Date(),
    orderId: testOrderId(),
    customer: { id: 'cust-1', email: 'ada@example.com', name: 'Ada' },
    lines: [{ sku: 'SKU-1', quantity: 2, unitPriceMinor: 1250 }],
    amountMinor: 2500,
    currency: 'EUR',
    paymentToken: null,
    ...overrides,
  };
}

async function publish(event: OrderCreated, headers: Record<string, string> = {}): Promise<void> {
  const codec = orderCreated.codec(harness.registry, { autoRegister: true });
  await producer.send({
    topic: Topics.OrderCreated,
    acks: -1,
    messages: [{ key: event.orderId, value: await codec.encode(event), headers }],
  });
}

beforeAll(async () => {
  harness = await startPayment('capture', { PAYMENT_LIMIT_MINOR: '500000' });
  probe = await TopicProbe.start(kafka, [
    Topics.PaymentSuccessful,
    Topics.PaymentFailed,
    DeadLetterTopics.OrderCreated,
  ]);
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

test('a charged order: one SUCCEEDED payment, payment_successful on the topic with the correlation and causation ids, GET /payments/{orderId}', async () => {
  const event = order();
  await publish(event, {
    'correlation-id': 'corr-pay-1',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });
  const codec = paymentSuccessful.codec(harness.registry);
  const [found] = await probe.waitForEvents(
    Topics.PaymentSuccessful,
    event.orderId,
    (b) => codec.decode(b),
    harness.published,
  );
  const { message, event: published } = found!;
  expect(published).toMatchObject({
    orderId: event.orderId,
    amountMinor: 2500,
    currency: 'EUR',
    customer: event.customer,
    lines: event.lines,
  });
  expect(message.headers).toMatchObject({
    'correlation-id': 'corr-pay-1',
    'causation-id': event.eventId,
    traceparent: expect.stringMatching(/^00-4bf92f3577b34da6a3ce929d0e0e4736-/) as unknown,
  });

  const payment = await harness.service.db.payment.findUniqueOrThrow({ where: { orderId: event.orderId } });
  expect({
    id: payment.id,
    status: payment.status,
    amount: payment.amount,
    currency: payment.currency,
  }).toEqual({ id: published.paymentId, status: 'SUCCEEDED', amount: 2500n, currency: 'EUR' });

  const res = await fetch(`${harness.baseUrl}/payments/${event.orderId}`, { headers: await adminHeaders() });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({
    paymentId: published.paymentId,
    orderId: event.orderId,
    status: 'SUCCEEDED',
    amountMinor: 2500,
    currency: 'EUR',
    failureReason: null,
    refund: null,
  });
});

test.each([
  ['tok_decline', 2500, 'DECLINED'],
  ['tok_insufficient', 2500, 'INSUFFICIENT_FUNDS'],
  ['tok_insufficient_funds', 2500, 'INSUFFICIENT_FUNDS'],
  ['tok_limit', 2500, 'LIMIT_EXCEEDED'],
  [null, 500_001, 'LIMIT_EXCEEDED'],
] as const)(
  'token %s, amount %d → FAILED payment and payment_failed with reason %s',
  async (paymentToken, amountMinor, reason) => {
    const event = order({
      paymentToken,
      amountMinor,
      lines: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: amountMinor }],
    });
    await publish(event);
    const codec = paymentFailed.codec(harness.registry);
    const [found] = await probe.waitForEvents(
      Topics.PaymentFailed,
      event.orderId,
      (b) => codec.decode(b),
      harness.published,
    );
    expect(found!.event).toMatchObject({
      orderId: event.orderId,
      reason,
      amountMinor,
      currency: 'EUR',
      customer: event.customer,
    });
    const payment = await harness.service.db.payment.findUniqueOrThrow({ where: { orderId: event.orderId } });
    expect({ id: payment.id, status: payment.status, failureReason: payment.failureReason }).toEqual({
      id: found!.event.paymentId,
      status: 'FAILED',
      failureReason: reason,
    });
    // Nothing else was published for the order: its one outbox row is the payment_failed.
    expect(
      (
        await harness.service.db.outboxEvent.findMany({
          where: { key: event.orderId },
          orderBy: { id: 'asc' },
        })
      ).map((r) => r.topic),
    ).toEqual([Topics.PaymentFailed]);
  },
);

test('a redelivered order_created (same event twice, then another event for the same order) charges once and publishes once', async () => {
  const event = order();
  const again = { ...event, eventId: randomUUID() };
  // One key, so all three land on one partition in this order.
  await publish(event);
  await publish(event);
  await publish(again);
  const codec = paymentSuccessful.codec(harness.registry);
  await probe.waitForEvents(
    Topics.PaymentSuccessful,
    event.orderId,
    (b) => codec.decode(b),
    harness.published,
  );
  await eventually(
    'the last of the three consumed',
    async () => (await harness.service.db.inboxEvent.count({ where: { eventId: again.eventId } })) === 1,
  );
  // Give the relay time to publish a duplicate, if there were one.
  await new Promise((r) => setTimeout(r, 1500));
  expect(await harness.service.db.payment.count({ where: { orderId: event.orderId } })).toBe(1);
  expect(await harness.service.db.outboxEvent.count({ where: { key: event.orderId } })).toBe(1);
  expect(
    await probe.waitForEvents(
      Topics.PaymentSuccessful,
      event.orderId,
      (b) => codec.decode(b),
      harness.published,
    ),
  ).toHaveLength(1);
});

test('an order_created the simulator cannot charge (currency not ISO-4217) is dead-lettered and the next order is still charged', async () => {
  const bad = order({ currency: 'euro' });
  const good = order();
  await publish(bad);
  await publish(good);
  const dead = (await probe.waitFor(DeadLetterTopics.OrderCreated, bad.orderId))[0]!;
  expect(dead.headers).toMatchObject({
    'dlt-original-topic': Topics.OrderCreated,
    'dlt-error-code': 'PermanentEventError:INVALID_EVENT',
  });
  expect(dead.headers['dlt-error-message']).toContain('currency "euro"');
  const codec = paymentSuccessful.codec(harness.registry);
  await probe.waitForEvents(
    Topics.PaymentSuccessful,
    good.orderId,
    (b) => codec.decode(b),
    harness.published,
  );
  expect(await harness.service.db.payment.count({ where: { orderId: bad.orderId } })).toBe(0);
});
