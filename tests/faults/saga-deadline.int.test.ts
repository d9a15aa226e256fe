// No saga is left unfinished: an order whose payment_successful inventory can never process (it is
// dead-lettered) stays PAID only until its saga deadline. Then the order ends EXPIRED saying why, its
// charge is refunded exactly once (the refund joins its timeline), the customer is told exactly once, and
// a late payment_successful reserves nothing. An order that completes in time is never expired.
// Four service instances under test (scratch databases, own consumer groups, test order ids only), the
// order instance with a deadline of seconds; assertions count only what these instances stored and
// published, so a running stack may share the topics.
import { randomUUID } from 'node:crypto';
import {
  DeadLetterTopics,
  Topics,
  notificationSent,
  paymentRefunded,
  paymentSuccessful,
  type OrderCreated,
  type PaymentSuccessful,
} from '@orderflow/contracts';
import { createKafka, createLogger, createProducer, adminKafkaSecurity } from '@orderflow/platform';
import type { Producer } from 'kafkajs';
import { startInventory, type InventoryHarness } from '../../services/inventory/test/harness';
import { startNotification, type NotificationHarness } from '../../services/notification/test/harness';
import { placeTestOrder, startOrder, type OrderHarness } from '../../services/order/test/harness';
import { startPayment, type PaymentHarness } from '../../services/payment/test/harness';
import { TopicProbe, eventually, probeKafka } from '../support/topic-probe';

jest.setTimeout(120_000);

const DEADLINE_MS = 8_000;
let order: OrderHarness;
let payment: PaymentHarness;
let inventory: InventoryHarness;
let notification: NotificationHarness;
let probe: TopicProbe;
let producer: Producer;

const customer = { id: 'cust-dl', email: 'hopper@example.com', name: 'Grace' };

const orderRow = (orderId: string) =>
  order.service.db.order.findUniqueOrThrow({
    where: { id: orderId },
    include: { events: { orderBy: { id: 'asc' } } },
  });

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [order, payment, inventory, notification] = await Promise.all([
    startOrder('deadline', {
      ORDER_SAGA_DEADLINE_MS: String(DEADLINE_MS),
      ORDER_EXPIRY_SWEEP_INTERVAL_MS: '250',
    }),
    startPayment('deadline'),
    startInventory('deadline'),
    startNotification('deadline'),
  ]);
  probe = await TopicProbe.start(probeKafka(), [
    Topics.PaymentRefunded,
    Topics.NotificationSent,
    Topics.OrderExpired,
    DeadLetterTopics.PaymentSuccessful,
  ]);
  producer = await createProducer(
    createKafka({
      clientId: 'saga-deadline-test',
      brokers: ['localhost:9092'],
      security: adminKafkaSecurity(),
      logger: createLogger({ service: 'test', level: 'silent' }),
    }),
  );
});

afterAll(async () => {
  await producer?.disconnect();
  await probe?.stop();
  await Promise.all([order?.stop(), payment?.stop(), inventory?.stop(), notification?.stop()]);
});

test('a charged order inventory dead-letters: EXPIRED with the reason, refunded once, told once; a late payment_successful reserves nothing', async () => {
  // A line inventory refuses for good (quantity 0): its payment_successful goes to the DLT.
  const placed: OrderCreated = await placeTestOrder(order, {
    customer,
    lines: [{ sku: 'SKU-1', quantity: 0, unitPriceMinor: 1999 }],
    amountMinor: 1999,
    currency: 'EUR',
    paymentToken: null,
  });
  const { orderId } = placed;
  await probe.waitFor(DeadLetterTopics.PaymentSuccessful, orderId);
  await eventually('the order PAID', async () => (await orderRow(orderId)).status === 'PAID');
  const charge = await payment.service.db.payment.findUniqueOrThrow({ where: { orderId } });
  expect(charge.status).toBe('SUCCEEDED');

  // The deadline passes: the sweeper ends the order EXPIRED and says why.
  await eventually('the order EXPIRED', async () => (await orderRow(orderId)).status === 'EXPIRED', 30_000);
  const expiredAt = (await orderRow(orderId)).events.find((e) => e.type === Topics.OrderExpired);
  expect(expiredAt?.status).toBe('EXPIRED');
  expect(expiredAt?.detail).toMatch(
    /^not final 8 s after it was placed \(still PAID\): SAGA_DEADLINE_EXCEEDED/,
  );
  expect(expiredAt!.occurredAt.getTime() - placed.occurredAt.getTime()).toBeGreaterThanOrEqual(DEADLINE_MS);

  // Payment refunds the charge exactly once, reason ORDER_EXPIRED.
  const refundCodec = paymentRefunded.codec(payment.registry);
  const [refund] = await probe.waitForEvents(
    Topics.PaymentRefunded,
    orderId,
    (b) => refundCodec.decode(b),
    payment.published,
  );
  expect(refund!.event).toMatchObject({
    orderId,
    paymentId: charge.id,
    amountMinor: 1999,
    currency: 'EUR',
    reason: 'ORDER_EXPIRED',
  });
  // Notification tells the customer once, ORDER_EXPIRED.
  const sentCodec = notificationSent.codec(notification.registry);
  const [sent] = await probe.waitForEvents(
    Topics.NotificationSent,
    orderId,
    (b) => sentCodec.decode(b),
    notification.published,
  );
  expect(sent!.event).toMatchObject({ orderId, outcome: 'ORDER_EXPIRED', recipient: customer.email });
  // Inventory recorded the expiry: nothing was reserved, nothing will be.
  await eventually(
    'inventory recorded the expiry',
    async () =>
      (await inventory.service.db.reservation.findUnique({ where: { orderId } }))?.status === 'EXPIRED',
  );

  // A refund and a notice join the order's timeline; it stays EXPIRED and is complete. (A live stack
  // sharing the topics, as in `npm test`, handles this order too: its payment service may charge it and
  // refund that charge. The tracker records the first payment and only the refund of that payment, so
  // the refund in the timeline is whichever of the two charges came first; each service refunds its own
  // charge once, which the probe above checked for the harnessed one.)
  await eventually('the order completed', async () => {
    const row = await orderRow(orderId);
    const types = row.events.map((e) => e.type);
    return (
      row.notifiedAt !== null &&
      types.includes(Topics.PaymentRefunded) &&
      types.includes(Topics.NotificationSent)
    );
  });
  expect((await orderRow(orderId)).status).toBe('EXPIRED');

  // A late payment_successful (the dead-lettered one replayed, now valid) reserves nothing.
  const stockBefore = await inventory.service.db.stock.findUniqueOrThrow({ where: { sku: 'SKU-1' } });
  const late: PaymentSuccessful = {
    eventId: randomUUID(),
    occurredAt: new Date(),
    orderId,
    paymentId: charge.id,
    amountMinor: 1999,
    currency: 'EUR',
    customer,
    lines: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 1999 }],
  };
  await producer.send({
    topic: Topics.PaymentSuccessful,
    acks: -1,
    messages: [
      {
        key: orderId,
        value: await paymentSuccessful.codec(payment.registry, { autoRegister: true }).encode(late),
      },
    ],
  });
  await eventually(
    'inventory consumed the late payment',
    async () => (await inventory.service.db.inboxEvent.count({ where: { eventId: late.eventId } })) === 1,
  );
  // The order records it when it names the charge the order recorded; when a live stack's payment
  // service charged first, it is another payment and is refused to the DLT (never applied).
  const recordedCharge = (await orderRow(orderId)).paymentId;
  await eventually('order handled the late payment', async () =>
    recordedCharge === charge.id
      ? (await order.service.db.inboxEvent.count({ where: { eventId: late.eventId } })) === 1
      : await probe.waitFor(DeadLetterTopics.PaymentSuccessful, orderId, 2).then(
          () => true,
          () => false,
        ),
  );
  await wait(1_500);
  expect((await inventory.service.db.reservation.findUnique({ where: { orderId } }))?.status).toBe('EXPIRED');
  expect(await inventory.service.db.outboxEvent.count({ where: { key: orderId } })).toBe(0);
  const stockAfter = await inventory.service.db.stock.findUniqueOrThrow({ where: { sku: 'SKU-1' } });
  expect({ available: stockAfter.available, reserved: stockAfter.reserved }).toEqual({
    available: stockBefore.available,
    reserved: stockBefore.reserved,
  });

  // Exactly once, after everything settled: one expiry, one refund, one notice.
  const final = await orderRow(orderId);
  expect(final.status).toBe('EXPIRED');
  expect(final.events.filter((e) => e.type === Topics.OrderExpired)).toHaveLength(1);
  // Before the expiry only the order and its charge (other instances sharing the topics may charge it
  // too); everything after it, late events included, left it EXPIRED.
  const before = final.events.filter((e) => e.status !== 'EXPIRED').map((e) => e.type);
  expect(before[0]).toBe(Topics.OrderCreated);
  expect(new Set(before.slice(1))).toEqual(new Set([Topics.PaymentSuccessful]));
  if (recordedCharge === charge.id)
    expect(final.events.find((e) => e.eventId === late.eventId)?.status).toBe('EXPIRED');
  else expect(final.events.find((e) => e.eventId === late.eventId)).toBeUndefined();
  expect(
    await order.service.db.outboxEvent.count({ where: { key: orderId, topic: Topics.OrderExpired } }),
  ).toBe(1);
  const refunds = await payment.service.db.refund.findMany({ where: { orderId } });
  expect(refunds.map((r) => ({ id: r.id, amount: r.amount, reason: r.reason }))).toEqual([
    { id: refund!.event.refundId, amount: 1999n, reason: 'ORDER_EXPIRED' },
  ]);
  expect((await payment.service.db.payment.findUniqueOrThrow({ where: { orderId } })).status).toBe(
    'REFUNDED',
  );
  expect(
    await probe.waitForEvents(
      Topics.PaymentRefunded,
      orderId,
      (b) => refundCodec.decode(b),
      payment.published,
    ),
  ).toHaveLength(1);
  const notices = await notification.service.db.notification.findMany({ where: { orderId } });
  expect(notices.map((n) => n.kind)).toEqual(['ORDER_EXPIRED']);
  expect(notices[0]!.message).toContain('is refunded in full');
  expect(
    await probe.waitForEvents(
      Topics.NotificationSent,
      orderId,
      (b) => sentCodec.decode(b),
      notification.published,
    ),
  ).toHaveLength(1);
});

test('an order the saga completes before its deadline is never expired', async () => {
  const { orderId } = await placeTestOrder(order, {
    customer,
    lines: [{ sku: 'SKU-2', quantity: 1, unitPriceMinor: 500 }],
    currency: 'EUR',
    paymentToken: null,
  });
  await eventually('the order CONFIRMED and notified', async () => {
    const row = await orderRow(orderId);
    return row.status === 'CONFIRMED' && row.notifiedAt !== null;
  });
  await wait(DEADLINE_MS + 1_500);
  const row = await orderRow(orderId);
  expect(row.status).toBe('CONFIRMED');
  expect(row.events.map((e) => e.type)).not.toContain(Topics.OrderExpired);
  expect(
    await order.service.db.outboxEvent.count({ where: { key: orderId, topic: Topics.OrderExpired } }),
  ).toBe(0);
  expect(probe.of(Topics.OrderExpired, orderId)).toHaveLength(0);
});
