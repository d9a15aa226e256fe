// Defence in depth (issue 9): anyone who can reach the broker can produce well-formed saga events. Two
// forgeries, produced with the generated codecs under the registered schemas: an inventory_updated
// RESERVED for a declined order, and a payment_successful of another amount for a confirmed one. Each
// must land on <topic>.DLT with the reason (INCONSISTENT_EVENT), and leave the order's status and
// timeline as they were; the customer of the declined order is never told "confirmed".
import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient } from '@orderflow/codec';
import { inventoryUpdatedCodec, paymentSuccessfulCodec, Topics, type ApiOrder } from '@orderflow/contracts';
import { Partitioners } from 'kafkajs';
import {
  DECLINING_TOKEN,
  REGISTRY_URL,
  getOrder,
  orderRequest,
  placeOrder,
  readSagaMessages,
  waitForOrder,
  type SagaMessage,
} from './support/saga';
import { probeKafka } from '../support/topic-probe';
import { adminHeaders } from '../support/auth';

const NOTIFICATION_API = 'http://localhost:8004';
const since = Date.now() - 1000;
const registry = new SchemaRegistryClient({ url: REGISTRY_URL });
const customer = { id: 'forger', email: 'ada@example.com', name: 'Ada Lovelace' };

let declined: ApiOrder;
let confirmed: ApiOrder;
let forgedReservation: string;
let forgedPayment: string;
let dead: SagaMessage[] = [];

async function notifications(orderId: string): Promise<string[]> {
  const res = await fetch(`${NOTIFICATION_API}/notifications?orderId=${orderId}`, {
    headers: await adminHeaders(),
  });
  if (!res.ok) throw new Error(`GET /notifications answered ${res.status}`);
  const body = (await res.json()) as { notifications: { outcome: string }[] };
  return body.notifications.map((n) => n.outcome);
}

beforeAll(async () => {
  const placed = await Promise.all([
    placeOrder(orderRequest({ paymentToken: DECLINING_TOKEN })),
    placeOrder(orderRequest()),
  ]);
  declined = await waitForOrder(placed[0].id);
  confirmed = await waitForOrder(placed[1].id);
  expect([declined.status, confirmed.status]).toEqual(['PAYMENT_FAILED', 'CONFIRMED']);

  forgedReservation = randomUUID();
  forgedPayment = randomUUID();
  const reserved = await inventoryUpdatedCodec(registry).encode({
    eventId: forgedReservation,
    occurredAt: new Date(),
    orderId: declined.id,
    status: 'RESERVED',
    reservationId: randomUUID(),
    shortLines: [],
    paymentId: randomUUID(),
    amountMinor: 1999,
    currency: 'EUR',
    customer,
  });
  const paid = await paymentSuccessfulCodec(registry).encode({
    eventId: forgedPayment,
    occurredAt: new Date(),
    orderId: confirmed.id,
    paymentId: randomUUID(),
    amountMinor: 1,
    currency: 'EUR',
    customer,
    lines: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 1 }],
  });
  const producer = probeKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({
      topic: Topics.InventoryUpdated,
      messages: [{ key: declined.id, value: reserved }],
    });
    await producer.send({ topic: Topics.PaymentSuccessful, messages: [{ key: confirmed.id, value: paid }] });
  } finally {
    await producer.disconnect();
  }
  // The order service refuses both; the notification service refuses the reservation too (it told the
  // customer "payment failed").
  dead = await readSagaMessages(new Set([declined.id, confirmed.id]), {
    since,
    expected: 3,
    timeoutMs: 45_000,
    topics: [`${Topics.InventoryUpdated}.DLT`, `${Topics.PaymentSuccessful}.DLT`],
  });
}, 120_000);

test('the forged RESERVED for a declined order is dead-lettered by the order and notification services, with the reason', () => {
  const letters = dead.filter((m) => m.key === declined.id && m.topic === `${Topics.InventoryUpdated}.DLT`);
  expect(letters.map((m) => m.headers['dlt-consumer-group']).sort()).toEqual(
    expect.arrayContaining(['order-service']) as unknown,
  );
  expect(letters).toHaveLength(2);
  for (const m of letters) {
    expect(m.headers).toMatchObject({
      'dlt-original-topic': Topics.InventoryUpdated,
      'dlt-error-code': 'PermanentEventError:INCONSISTENT_EVENT',
      'dlt-error-class': 'permanent',
    });
  }
  const fromOrder = letters.find((m) => m.headers['dlt-consumer-group'] === 'order-service');
  expect(fromOrder?.headers['dlt-error-message']).toMatch(/RESERVED, but the order's payment was declined/);
});

test('the payment_successful of another amount is dead-lettered by the order service, with the reason', () => {
  const letters = dead.filter((m) => m.key === confirmed.id && m.topic === `${Topics.PaymentSuccessful}.DLT`);
  const fromOrder = letters.find((m) => m.headers['dlt-consumer-group'] === 'order-service');
  expect(fromOrder?.headers).toMatchObject({
    'dlt-error-code': 'PermanentEventError:INCONSISTENT_EVENT',
    // The order's amount is the catalog's price of SKU-1 (1999 EUR as seeded), whatever the forger claims.
    'dlt-error-message': expect.stringMatching(
      new RegExp(`names 1 EUR .* but the order is for ${confirmed.amountMinor} EUR`),
    ) as unknown,
  });
});

test('neither order moved, neither timeline holds a forged event, and nobody was told "confirmed" falsely', async () => {
  const [d, c] = await Promise.all([getOrder(declined.id), getOrder(confirmed.id)]);
  expect(d.status).toBe('PAYMENT_FAILED');
  expect(c.status).toBe('CONFIRMED');
  expect(d.timeline).toEqual(declined.timeline);
  expect(c.timeline).toEqual(confirmed.timeline);
  const ids = [...d.timeline, ...c.timeline].map((e) => e.eventId);
  expect(ids).not.toContain(forgedReservation);
  expect(ids).not.toContain(forgedPayment);
  expect(await notifications(declined.id)).toEqual(['PAYMENT_FAILED']);
  expect(await notifications(confirmed.id)).toEqual(['ORDER_CONFIRMED']);
});
