// The three journeys of the order saga on the real stack and the four real services, driven through the
// generated order-API client: confirmed, payment declined, out of stock → refunded → cancelled. Then
// what crossed Kafka for those orders: one outcome each, every message registered Confluent-framed Avro.
import { randomUUID } from 'node:crypto';
import type { ApiOrder } from '@orderflow/contracts';
import {
  DECLINING_TOKEN,
  apiAs,
  decodeSagaMessage,
  getOrder,
  getStock,
  orderDb,
  orderRequest,
  placeOrder,
  readSagaMessages,
  registeredIds,
  setStock,
  waitForOrder,
  type SagaMessage,
} from './support/saga';
import { catalogPrice, priceSku } from '../support/catalog';

const TERMINAL = ['CONFIRMED', 'PAYMENT_FAILED', 'CANCELLED'];
const since = Date.now() - 1000;
const outOfStockSku = `E2E-OOS-${randomUUID().slice(0, 8)}`;
let happy: ApiOrder;
let declined: ApiOrder;
let outOfStock: ApiOrder;
/** The catalog's EUR prices of the happy order's SKUs (the inventory's seed, unless an admin changed them). */
const eur = new Map<string, number>();

const types = (o: ApiOrder): string[] => o.timeline.map((e) => e.type);

beforeAll(async () => {
  await setStock(outOfStockSku, 0);
  await priceSku(outOfStockSku, 4200);
  for (const sku of ['SKU-1', 'SKU-2']) eur.set(sku, await catalogPrice(sku));
  [happy, declined, outOfStock] = await Promise.all([
    placeOrder(
      orderRequest({
        lines: [
          { sku: 'SKU-1', quantity: 2 },
          { sku: 'SKU-2', quantity: 1, unitPriceMinor: eur.get('SKU-2')! },
        ],
      }),
    ),
    placeOrder(orderRequest({ paymentToken: DECLINING_TOKEN })),
    placeOrder(orderRequest({ lines: [{ sku: outOfStockSku, quantity: 1 }] })),
  ]);
});

test('POST /orders answers 201 with the order PENDING, priced from the catalog, and its order_created entry', () => {
  expect(happy.status).toBe('PENDING');
  expect(happy.lines.map((l) => l.unitPriceMinor)).toEqual([eur.get('SKU-1'), eur.get('SKU-2')]);
  expect(happy.amountMinor).toBe(2 * eur.get('SKU-1')! + eur.get('SKU-2')!);
  expect(outOfStock.amountMinor).toBe(4200);
  expect(happy.completed).toBe(false);
  expect(types(happy)).toEqual(['order_created']);
});

test('happy path: PENDING → PAID → CONFIRMED, customer notified, timeline in order', async () => {
  const order = await waitForOrder(happy.id);
  expect(order.status).toBe('CONFIRMED');
  expect(order.notifiedAt).not.toBeNull();
  expect(types(order)).toEqual([
    'order_created',
    'payment_successful',
    'inventory_updated',
    'notification_sent',
  ]);
  const times = order.timeline.map((e) => Date.parse(e.at));
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  expect(order.timeline[2]?.detail).toMatch(/^reserved/);
});

test('payment declined: PENDING → PAYMENT_FAILED, customer notified, nothing reserved', async () => {
  const order = await waitForOrder(declined.id);
  expect(order.status).toBe('PAYMENT_FAILED');
  expect(order.notifiedAt).not.toBeNull();
  expect(types(order)).toEqual(['order_created', 'payment_failed', 'notification_sent']);
  expect(order.timeline[1]?.detail).toMatch(/DECLINED/);
});

test('out of stock: PAID → CANCELLED, payment refunded, customer notified, stock never below zero', async () => {
  const order = await waitForOrder(
    outOfStock.id,
    (o) => o.completed && types(o).includes('payment_refunded'),
  );
  expect(order.status).toBe('CANCELLED');
  expect(order.notifiedAt).not.toBeNull();
  expect(types(order)).toEqual(
    expect.arrayContaining([
      'order_created',
      'payment_successful',
      'inventory_updated',
      'payment_refunded',
      'notification_sent',
    ]),
  );
  expect(types(order)).toHaveLength(5);
  expect(order.timeline.find((e) => e.type === 'inventory_updated')?.detail).toMatch(/out of stock/);
  const stock = await getStock(outOfStockSku);
  expect(stock.available).toBe(0);
});

describe('what crossed Kafka for these orders', () => {
  let messages: SagaMessage[];
  const byOrder = (id: string, topic: string): SagaMessage[] =>
    messages.filter((m) => m.key === id && m.topic === topic);

  beforeAll(async () => {
    // Journeys first: by now every order is complete, so its messages are all on the topics.
    await Promise.all(
      [happy, declined, outOfStock].map((o) =>
        waitForOrder(
          o.id,
          (x) => x.completed && (x.status !== 'CANCELLED' || types(x).includes('payment_refunded')),
        ),
      ),
    );
    // 4 (confirmed) + 3 (declined) + 5 (cancelled and refunded)
    messages = await readSagaMessages(new Set([happy.id, declined.id, outOfStock.id]), {
      since,
      expected: 12,
    });
  });

  test('every order reaches exactly one final state, and stays there', async () => {
    const expected: Record<string, Record<string, number>> = {
      [happy.id]: {
        order_created: 1,
        payment_successful: 1,
        payment_failed: 0,
        inventory_updated: 1,
        payment_refunded: 0,
        notification_sent: 1,
      },
      [declined.id]: {
        order_created: 1,
        payment_successful: 0,
        payment_failed: 1,
        inventory_updated: 0,
        payment_refunded: 0,
        notification_sent: 1,
      },
      [outOfStock.id]: {
        order_created: 1,
        payment_successful: 1,
        payment_failed: 0,
        inventory_updated: 1,
        payment_refunded: 1,
        notification_sent: 1,
      },
    };
    for (const [id, counts] of Object.entries(expected)) {
      const seen = Object.fromEntries(Object.keys(counts).map((topic) => [topic, byOrder(id, topic).length]));
      expect({ id, seen }).toEqual({ id, seen: counts });
    }
    // The status history in the database never leaves the first terminal status it reached.
    const rows = await orderDb<{ order_id: string; status: string }>(
      `SELECT order_id::text, status::text FROM order_events WHERE order_id = ANY($1::uuid[]) ORDER BY id`,
      [[happy.id, declined.id, outOfStock.id]],
    );
    for (const id of [happy.id, declined.id, outOfStock.id]) {
      const history = rows.filter((r) => r.order_id === id).map((r) => r.status);
      const first = history.findIndex((s) => TERMINAL.includes(s));
      expect(first).toBeGreaterThanOrEqual(0);
      expect(new Set(history.slice(first))).toEqual(new Set([history[first]]));
    }
    const finals = await Promise.all([happy, declined, outOfStock].map((o) => getOrder(o.id)));
    expect(finals.map((o) => [o.status, o.completed])).toEqual([
      ['CONFIRMED', true],
      ['PAYMENT_FAILED', true],
      ['CANCELLED', true],
    ]);
  });

  test('every message is Confluent-framed Avro whose schema id is registered under <topic>-value', async () => {
    expect(messages.length).toBe(12);
    for (const m of messages) {
      expect(m.value[0]).toBe(0);
      const { schemaId, event } = await decodeSagaMessage(m);
      expect({ topic: m.topic, registered: (await registeredIds(`${m.topic}-value`)).has(schemaId) }).toEqual(
        { topic: m.topic, registered: true },
      );
      expect(event.orderId).toBe(m.key);
    }
  });

  test('every message carries traceparent and the order’s correlation id; events after order_created name their cause', () => {
    for (const id of [happy.id, declined.id, outOfStock.id]) {
      const mine = messages.filter((m) => m.key === id);
      const correlation = new Set(mine.map((m) => m.headers['correlation-id']));
      expect(correlation.size).toBe(1);
      for (const m of mine) {
        expect(m.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
        if (m.topic !== 'order_created') expect(m.headers['causation-id']).toMatch(/^[0-9a-f-]{36}$/);
      }
    }
  });
});

test("GET /orders lists only the caller's orders, filters by status and pages newest first without repeats", async () => {
  // Four orders of one customer (the list is scoped to the token's subject), the first seen to the end.
  const customer = `e2e-list-${randomUUID()}`;
  const mine = [];
  for (let i = 0; i < 4; i++) mine.push(await placeOrder(orderRequest({}, customer)));
  await waitForOrder(mine[0]!.id);
  const api = apiAs(customer);
  const confirmed = await api.GET('/orders', { params: { query: { status: 'CONFIRMED', limit: 5 } } });
  expect(confirmed.response.status).toBe(200);
  expect(confirmed.data?.items.length).toBeGreaterThan(0);
  expect(confirmed.data?.items.every((o) => o.status === 'CONFIRMED')).toBe(true);

  const first = await api.GET('/orders', { params: { query: { limit: 2 } } });
  const cursor = first.data?.nextCursor;
  expect(typeof cursor).toBe('string');
  const second = await api.GET('/orders', { params: { query: { limit: 2, cursor: cursor ?? '' } } });
  const pages = [...(first.data?.items ?? []), ...(second.data?.items ?? [])];
  expect(pages).toHaveLength(4);
  expect(new Set(pages.map((o) => o.id)).size).toBe(4);
  const created = pages.map((o) => o.createdAt);
  expect([...created].sort().reverse()).toEqual(created);
  expect(new Set(pages.map((o) => o.id))).toEqual(new Set(mine.map((o) => o.id)));
  expect(pages.every((o) => o.customer.id === customer)).toBe(true);
});
