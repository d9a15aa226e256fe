// payment_successful on the real topic → every line reserved or none, in the inventory database →
// inventory_updated on the real topic; concurrent orders for scarce stock never oversell. Assertions count
// only what this instance stored and published (a running stack may share the topics).
import { randomUUID } from 'node:crypto';
import {
  DeadLetterTopics,
  Topics,
  inventoryUpdated,
  paymentSuccessful,
  type PaymentSuccessful,
} from '@orderflow/contracts';
import { createKafka, createLogger, createProducer, adminKafkaSecurity } from '@orderflow/platform';
import type { Producer } from 'kafkajs';
import { TopicProbe, eventually, probeKafka, testOrderId } from '../../../../tests/support/topic-probe';
import { startInventory, type InventoryHarness } from '../../test/harness';
import { adminHeaders, bearer } from '../../../../tests/support/auth';

jest.setTimeout(90_000);

let harness: InventoryHarness;
let probe: TopicProbe;
let producer: Producer;

const ours = (orderId: string, count = 1) => {
  const codec = inventoryUpdated.codec(harness.registry);
  return probe.waitForEvents(
    Topics.InventoryUpdated,
    orderId,
    (b) => codec.decode(b),
    harness.published,
    count,
  );
};

const sku = (name: string): string => `T-${randomUUID().slice(0, 8)}-${name}`;

function paid(lines: { sku: string; quantity: number }[]): PaymentSuccessful {
  return {
    eventId: randomUUID(),
    occurredAt: new Date(),
    orderId: testOrderId(),
    paymentId: randomUUID(),
    amountMinor: 100 * lines.length,
    currency: 'EUR',
    customer: { id: 'cust-3', email: 'lin@example.com', name: null },
    lines: lines.map((l) => ({ ...l, unitPriceMinor: 100 })),
  };
}

async function publish(events: PaymentSuccessful[], headers: Record<string, string> = {}): Promise<void> {
  const codec = paymentSuccessful.codec(harness.registry, { autoRegister: true });
  await producer.send({
    topic: Topics.PaymentSuccessful,
    acks: -1,
    messages: await Promise.all(
      events.map(async (e) => ({ key: e.orderId, value: await codec.encode(e), headers })),
    ),
  });
}

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

beforeAll(async () => {
  harness = await startInventory('reserve');
  probe = await TopicProbe.start(probeKafka(), [Topics.InventoryUpdated, DeadLetterTopics.PaymentSuccessful]);
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
  await probe?.stop();
  await harness?.stop();
});

test('every line available → all reserved (lines of one SKU merged), RESERVED on the topic with the correlation and causation ids', async () => {
  const [a, b] = [sku('a'), sku('b')];
  await setStock(a, 10);
  await setStock(b, 3);
  const event = paid([
    { sku: b, quantity: 2 },
    { sku: a, quantity: 4 },
    { sku: b, quantity: 1 },
  ]);
  await publish([event], { 'correlation-id': 'corr-inv-1' });
  const { message, event: published } = (await ours(event.orderId))[0]!;
  expect(published).toMatchObject({
    orderId: event.orderId,
    status: 'RESERVED',
    shortLines: [],
    paymentId: event.paymentId,
    amountMinor: event.amountMinor,
    customer: event.customer,
  });
  expect(message.headers).toMatchObject({ 'correlation-id': 'corr-inv-1', 'causation-id': event.eventId });
  expect(await stockOf(a)).toEqual({ available: 6, reserved: 4 });
  expect(await stockOf(b)).toEqual({ available: 0, reserved: 3 });
  const reservation = await harness.service.db.reservation.findUniqueOrThrow({
    where: { orderId: event.orderId },
    include: { lines: true },
  });
  expect(reservation.id).toBe(published.reservationId);
  expect(reservation.lines.map((l) => [l.sku, l.quantity, l.shortBy]).sort()).toEqual(
    [
      [a, 4, 0],
      [b, 3, 0],
    ].sort(),
  );
});

test('one line short → nothing reserved on any line, OUT_OF_STOCK with the short line', async () => {
  const [a, b] = [sku('a'), sku('b')];
  await setStock(a, 10);
  await setStock(b, 1);
  const event = paid([
    { sku: a, quantity: 2 },
    { sku: b, quantity: 2 },
  ]);
  await publish([event]);
  const { event: published } = (await ours(event.orderId))[0]!;
  expect(published).toMatchObject({
    status: 'OUT_OF_STOCK',
    reservationId: null,
    shortLines: [{ sku: b, requested: 2, available: 1 }],
  });
  expect(await stockOf(a)).toEqual({ available: 10, reserved: 0 });
  expect(await stockOf(b)).toEqual({ available: 1, reserved: 0 });
});

test('a redelivered payment_successful (same event twice, then another event for the order) reserves once', async () => {
  const a = sku('a');
  await setStock(a, 10);
  const event = paid([{ sku: a, quantity: 3 }]);
  const again = { ...event, eventId: randomUUID() };
  await publish([event, event, again]);
  await eventually(
    'the last delivery consumed',
    async () => (await harness.service.db.inboxEvent.count({ where: { eventId: again.eventId } })) === 1,
  );
  await new Promise((r) => setTimeout(r, 1000));
  expect(await stockOf(a)).toEqual({ available: 7, reserved: 3 });
  expect(await harness.service.db.reservation.count({ where: { orderId: event.orderId } })).toBe(1);
  expect(await harness.service.db.outboxEvent.count({ where: { key: event.orderId } })).toBe(1);
  expect(await ours(event.orderId)).toHaveLength(1);
});

test('40 concurrent orders for the last 10 units (some also taking a second SKU, in either line order) → exactly 10 reserved, no stock below zero, no deadlock', async () => {
  const [scarce, other] = [sku('scarce'), sku('other')];
  await setStock(scarce, 10);
  await setStock(other, 1000);
  const events = Array.from({ length: 40 }, (_, i) =>
    paid(
      i % 3 === 0
        ? [{ sku: scarce, quantity: 1 }]
        : i % 3 === 1
          ? [
              { sku: other, quantity: 1 },
              { sku: scarce, quantity: 1 },
            ]
          : [
              { sku: scarce, quantity: 1 },
              { sku: other, quantity: 1 },
            ],
    ),
  );
  await publish(events);
  await eventually(
    'all 40 decided',
    async () =>
      (await harness.service.db.reservation.count({
        where: { orderId: { in: events.map((e) => e.orderId) } },
      })) === 40,
    60_000,
  );
  const statuses = await harness.service.db.reservation.groupBy({
    by: ['status'],
    where: { orderId: { in: events.map((e) => e.orderId) } },
    _count: true,
  });
  expect(Object.fromEntries(statuses.map((s) => [s.status, s._count]))).toEqual({
    RESERVED: 10,
    OUT_OF_STOCK: 30,
  });
  const reservedOther = await harness.service.db.reservationLine.aggregate({
    where: { sku: other, reservation: { status: 'RESERVED' } },
    _sum: { quantity: true },
  });
  expect(await stockOf(scarce)).toEqual({ available: 0, reserved: 10 });
  expect(await stockOf(other)).toEqual({
    available: 1000 - (reservedOther._sum.quantity ?? 0),
    reserved: reservedOther._sum.quantity ?? 0,
  });
  for (const e of events) await ours(e.orderId);
});

test('GET /inventory/{sku} is cached in Redis and invalidated when a reservation changes the stock', async () => {
  const a = sku('cached');
  await setStock(a, 8);
  const first = await fetch(`${harness.baseUrl}/inventory/${a}`, {
    headers: await bearer('int-stock-reader'),
  });
  expect(await first.json()).toMatchObject({ sku: a, available: 8, reserved: 0 });
  const event = paid([{ sku: a, quantity: 5 }]);
  await publish([event]);
  await ours(event.orderId);
  await eventually(
    'GET shows the reservation',
    async () => {
      const body = (await (
        await fetch(`${harness.baseUrl}/inventory/${a}`, { headers: await bearer('int-stock-reader') })
      ).json()) as {
        available: number;
        reserved: number;
      };
      return body.available === 3 && body.reserved === 5;
    },
    2000,
  );
});

test('poison on payment_successful (garbage bytes; a line of quantity 0) is dead-lettered naming the error, and the next order is still reserved', async () => {
  const a = sku('a');
  await setStock(a, 5);
  const zero = paid([{ sku: a, quantity: 0 }]);
  const good = { ...paid([{ sku: a, quantity: 1 }]), orderId: zero.orderId };
  await producer.send({
    topic: Topics.PaymentSuccessful,
    acks: -1,
    messages: [{ key: zero.orderId, value: Buffer.from('not avro') }],
  });
  await publish([zero, good]);
  // A running stack's consumers of the topic dead-letter the same poison, so look for the two kinds, not a count.
  await eventually('both poison messages dead-lettered', () => {
    const codes = probe
      .of(DeadLetterTopics.PaymentSuccessful, zero.orderId)
      .map((d) => d.headers['dlt-error-code']);
    return Promise.resolve(
      codes.includes('CodecError:BAD_FRAMING') && codes.includes('PermanentEventError:INVALID_EVENT'),
    );
  });
  const invalid = probe
    .of(DeadLetterTopics.PaymentSuccessful, zero.orderId)
    .find((d) => d.headers['dlt-error-code'] === 'PermanentEventError:INVALID_EVENT');
  expect(invalid!.headers).toMatchObject({
    'dlt-original-topic': Topics.PaymentSuccessful,
    'dlt-error-message': expect.stringContaining('lines[0].quantity is 0; it must be at least 1') as unknown,
  });
  expect((await ours(good.orderId))[0]!.event).toMatchObject({
    status: 'RESERVED',
    paymentId: good.paymentId,
  });
  expect(await stockOf(a)).toEqual({ available: 4, reserved: 1 });
  // This instance moved past the poison without applying it: no inbox row for it, only the good order's effect.
  expect(await harness.service.db.inboxEvent.count({ where: { eventId: zero.eventId } })).toBe(0);
});
