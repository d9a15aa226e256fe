// Saga outcomes on the real topics → one stored notice per order and outcome → notification_sent on the
// real topic; a webhook outage is retried until the webhook answers, and the customer is told once.
// Assertions count only what the instance under test stored and published (a running stack may share the topics).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  Topics,
  inventoryUpdated,
  notificationSent,
  paymentFailed,
  paymentRefunded,
  type Customer,
  type InventoryUpdated,
  type PaymentFailed,
  type PaymentRefunded,
} from '@orderflow/contracts';
import {
  adminKafkaSecurity,
  createKafka,
  createLogger,
  createMetricsRegistry,
  isFatalProducerError,
  ManagedProducer,
} from '@orderflow/platform';
import { TopicProbe, eventually, probeKafka, testOrderId } from '../../../../tests/support/topic-probe';
import { startNotification, type NotificationHarness } from '../../test/harness';
import { adminHeaders } from '../../../../tests/support/auth';

jest.setTimeout(90_000);

let harness: NotificationHarness;
let probe: TopicProbe;
let producer: ManagedProducer;
const customer: Customer = { id: 'cust-5', email: 'kim@example.com', name: 'Kim' };

const base = () => ({
  eventId: randomUUID(),
  occurredAt: new Date(),
  orderId: testOrderId(),
  paymentId: randomUUID(),
  amountMinor: 4200,
  currency: 'EUR',
  customer,
});
const failed = (): PaymentFailed => ({ ...base(), reason: 'INSUFFICIENT_FUNDS', message: null });
const inventory = (status: InventoryUpdated['status'], orderId?: string): InventoryUpdated => ({
  ...base(),
  ...(orderId ? { orderId } : {}),
  status,
  reservationId: status === 'RESERVED' ? randomUUID() : null,
  shortLines: status === 'OUT_OF_STOCK' ? [{ sku: 'SKU-SCARCE', requested: 9, available: 5 }] : [],
});
const refunded = (orderId: string): PaymentRefunded => ({
  ...base(),
  orderId,
  refundId: randomUUID(),
  reason: 'OUT_OF_STOCK',
});

async function send(
  h: NotificationHarness,
  topic: string,
  key: string,
  encode: (registry: NotificationHarness['registry']) => Promise<Buffer>,
  headers: Record<string, string> = {},
): Promise<void> {
  const record = { topic, acks: -1, messages: [{ key, value: await encode(h.registry), headers }] };
  // As the services' relays do: a fatal idempotent-producer error (an out-of-order sequence on a loaded
  // CI machine) recreates the producer, and the send is tried again; the inbox absorbs a duplicate.
  await producer.send(record).catch((err: unknown) => {
    if (!isFatalProducerError(err)) throw err;
    return producer.send(record);
  });
}
const sendFailed = (h: NotificationHarness, e: PaymentFailed, headers: Record<string, string> = {}) =>
  send(
    h,
    Topics.PaymentFailed,
    e.orderId,
    (r) => paymentFailed.codec(r, { autoRegister: true }).encode(e),
    headers,
  );
const sendInventory = (h: NotificationHarness, e: InventoryUpdated) =>
  send(h, Topics.InventoryUpdated, e.orderId, (r) =>
    inventoryUpdated.codec(r, { autoRegister: true }).encode(e),
  );
const sendRefunded = (h: NotificationHarness, e: PaymentRefunded) =>
  send(h, Topics.PaymentRefunded, e.orderId, (r) =>
    paymentRefunded.codec(r, { autoRegister: true }).encode(e),
  );

const ours = (h: NotificationHarness, orderId: string) => {
  const codec = notificationSent.codec(h.registry);
  return probe.waitForEvents(Topics.NotificationSent, orderId, (b) => codec.decode(b), h.published);
};

beforeAll(async () => {
  harness = await startNotification('notify');
  probe = await TopicProbe.start(probeKafka(), [Topics.NotificationSent]);
  const logger = createLogger({ service: 'test', level: 'silent' });
  producer = new ManagedProducer(
    createKafka({
      clientId: 'notification-int-test',
      brokers: ['localhost:9092'],
      security: adminKafkaSecurity(),
      logger,
    }),
    logger,
    createMetricsRegistry('notification-int-test', { defaultMetrics: false }),
  );
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await probe?.stop();
  await harness?.stop();
});

test('payment_failed (delivered twice) → one PAYMENT_FAILED notice stored and one notification_sent carrying the correlation and causation ids', async () => {
  const event = failed();
  await sendFailed(harness, event, { 'correlation-id': 'corr-note-1' });
  await sendFailed(harness, event, { 'correlation-id': 'corr-note-1' });
  const { message, event: sent } = (await ours(harness, event.orderId))[0]!;
  expect(sent).toMatchObject({
    orderId: event.orderId,
    outcome: 'PAYMENT_FAILED',
    channel: 'LOG',
    recipient: 'kim@example.com',
    causationEventId: event.eventId,
  });
  expect(message.headers).toMatchObject({ 'correlation-id': 'corr-note-1', 'causation-id': event.eventId });
  await new Promise((r) => setTimeout(r, 1500));
  expect(await harness.service.db.outboxEvent.count({ where: { key: event.orderId } })).toBe(1);
  expect(await ours(harness, event.orderId)).toHaveLength(1);
  const res = await fetch(`${harness.baseUrl}/notifications?orderId=${event.orderId}`, {
    headers: await adminHeaders(),
  });
  const body = (await res.json()) as { notifications: unknown[] };
  expect(body.notifications).toEqual([
    expect.objectContaining({
      notificationId: sent.notificationId,
      orderId: event.orderId,
      outcome: 'PAYMENT_FAILED',
      channel: 'LOG',
      recipient: 'kim@example.com',
      status: 'SENT',
      message: expect.stringContaining('there were insufficient funds') as unknown,
    }),
  ]);
});

test('inventory_updated RESERVED → ORDER_CONFIRMED', async () => {
  const event = inventory('RESERVED');
  await sendInventory(harness, event);
  const [found] = await ours(harness, event.orderId);
  expect(found!.event).toMatchObject({ outcome: 'ORDER_CONFIRMED', causationEventId: event.eventId });
});

test('OUT_OF_STOCK tells nothing yet; the refund that follows (even twice, with new event ids) → one ORDER_CANCELLED', async () => {
  const out = inventory('OUT_OF_STOCK');
  await sendInventory(harness, out);
  await eventually(
    'OUT_OF_STOCK consumed',
    async () => (await harness.service.db.inboxEvent.count({ where: { eventId: out.eventId } })) === 1,
  );
  expect(await harness.service.db.notification.count({ where: { orderId: out.orderId } })).toBe(0);
  const first = refunded(out.orderId);
  const second = refunded(out.orderId);
  await sendRefunded(harness, first);
  await sendRefunded(harness, second);
  const [found] = await ours(harness, out.orderId);
  expect(found!.event).toMatchObject({ outcome: 'ORDER_CANCELLED', causationEventId: first.eventId });
  await eventually(
    'second refund consumed',
    async () => (await harness.service.db.inboxEvent.count({ where: { eventId: second.eventId } })) === 1,
  );
  await new Promise((r) => setTimeout(r, 1500));
  expect(await harness.service.db.outboxEvent.count({ where: { key: out.orderId } })).toBe(1);
  expect(await ours(harness, out.orderId)).toHaveLength(1);
  expect(await harness.service.db.notification.count({ where: { orderId: out.orderId } })).toBe(1);
});

test('GET /notifications rejects a malformed orderId or limit, naming the parameter', async () => {
  const res = await fetch(`${harness.baseUrl}/notifications?orderId=nope&limit=0`, {
    headers: await adminHeaders(),
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({
    code: 'VALIDATION_FAILED',
    errors: [{ path: 'orderId' }, { path: 'limit' }],
  });
});

describe('with a webhook channel', () => {
  let webhook: Server;
  let hooked: NotificationHarness;
  let failuresLeft = 3;
  const SECRET = `s3cret-${randomUUID()}`;
  const calls: { idempotencyKey: string | undefined; body: { orderId: string; outcome: string } }[] = [];

  beforeAll(async () => {
    webhook = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        calls.push({
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          body: JSON.parse(raw) as { orderId: string; outcome: string },
        });
        // An outage first: the notification must wait for the webhook, not be lost or dead-lettered.
        if (failuresLeft > 0) {
          failuresLeft--;
          res.writeHead(503).end();
        } else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
    // A receiver's URL often carries a token: configuration only, never stored or published.
    const url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook/${SECRET}?sig=${SECRET}`;
    hooked = await startNotification('webhook', {
      NOTIFY_WEBHOOK_URL: url,
      NOTIFY_WEBHOOK_ID: 'int-test',
      NOTIFY_WEBHOOK_TIMEOUT_MS: '1000',
    });
  });
  afterAll(async () => {
    await hooked?.stop();
    webhook.closeAllConnections();
    await new Promise((r) => webhook.close(r));
  });

  test('a webhook outage is retried until the webhook answers; the customer is notified once, on the WEBHOOK channel', async () => {
    const event = failed();
    await sendFailed(hooked, event);
    await eventually(
      'delivered after the outage',
      async () => (await hooked.service.db.notification.count({ where: { orderId: event.orderId } })) === 1,
      30_000,
    );
    const mine = calls.filter((c) => c.body.orderId === event.orderId);
    expect(mine.length).toBeGreaterThanOrEqual(4);
    expect(new Set(mine.map((c) => c.idempotencyKey)).size).toBe(1);
    const stored = await hooked.service.db.notification.findFirstOrThrow({
      where: { orderId: event.orderId },
    });
    expect({ channel: stored.channel, recipient: stored.recipient, kind: stored.kind }).toEqual({
      channel: 'WEBHOOK',
      recipient: 'webhook:int-test',
      kind: 'PAYMENT_FAILED',
    });
    expect(await hooked.service.db.outboxEvent.count({ where: { key: event.orderId } })).toBe(1);
    expect((await ours(hooked, event.orderId)).map((f) => f.event)).toEqual([
      expect.objectContaining({
        outcome: 'PAYMENT_FAILED',
        channel: 'WEBHOOK',
        notificationId: stored.id,
        recipient: 'webhook:int-test',
      }),
    ]);
    const listed = await fetch(`${hooked.baseUrl}/notifications?orderId=${event.orderId}`, {
      headers: await adminHeaders(),
    });
    const text = await listed.text();
    expect(text).toContain('"recipient":"webhook:int-test"');
    expect(text).not.toContain(SECRET);
    const sent = await ours(hooked, event.orderId);
    expect(sent.every((f) => !f.message.value?.toString('latin1').includes(SECRET))).toBe(true);
  });
});
