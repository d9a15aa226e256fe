// 100 customers race for the last 10 units of a SKU, all at once, through the real four services:
// exactly 10 get the goods, 90 are charged, refunded and cancelled, and the stock never goes below zero.
import { randomUUID } from 'node:crypto';
import type { ApiOrder } from '@orderflow/contracts';
import { Topics } from '@orderflow/contracts';
import { getOrder, getStock, orderRequest, readSagaMessages, setStock } from '../e2e/support/saga';
import { priceSku } from '../support/catalog';
import {
  closeDbs,
  countBy,
  dbQuery,
  logicalCount,
  foreignReport,
  logicalEvents,
  ownEventIds,
  placeAll,
  waitAllFinal,
  type FinalRow,
} from './support/fault-kit';

const ORDERS = 100;
const UNITS = 10;
const sku = `FAULT-LAST-${randomUUID().slice(0, 8).toUpperCase()}`;
const since = Date.now() - 1000;
let orders: ApiOrder[];
let finals: FinalRow[];
let lowestAvailable = Number.POSITIVE_INFINITY;
let lowestSamples = 0;

beforeAll(async () => {
  await setStock(sku, UNITS);
  await priceSku(sku, 1000);
  // Watch the stock row while the race runs: "never below zero" is about every moment, not the end.
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const rows = await dbQuery<{ available: number }>(
        'inventory',
        'SELECT available FROM stock WHERE sku = $1',
        [sku],
      );
      if (rows[0]) lowestAvailable = Math.min(lowestAvailable, rows[0].available);
      lowestSamples++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    const requests = Array.from({ length: ORDERS }, () => orderRequest({ lines: [{ sku, quantity: 1 }] }));
    orders = await placeAll(requests);
    finals = await waitAllFinal(
      orders.map((o) => o.id),
      150_000,
    );
  } finally {
    sampling = false;
    await sampler;
  }
}, 200_000);

afterAll(closeDbs);

test(`exactly ${UNITS} of ${ORDERS} concurrent orders are confirmed, the other ${ORDERS - UNITS} cancelled`, async () => {
  expect(countBy(finals, (r) => r.status)).toEqual({ CONFIRMED: UNITS, CANCELLED: ORDERS - UNITS });
  // What the customer sees through the API agrees with the database.
  const viewed = await Promise.all(orders.map((o) => getOrder(o.id)));
  expect(countBy(viewed, (o) => `${o.status} completed=${o.completed}`)).toEqual({
    'CONFIRMED completed=true': UNITS,
    'CANCELLED completed=true': ORDERS - UNITS,
  });
});

test('the stock ends at 0 available and 10 reserved, and was never seen below zero', async () => {
  expect(await getStock(sku)).toMatchObject({ sku, available: 0, reserved: UNITS });
  expect(lowestSamples).toBeGreaterThan(0);
  expect(lowestAvailable).toBeGreaterThanOrEqual(0);
  const reserved = await dbQuery<{ status: string; orders: string; units: string }>(
    'inventory',
    `SELECT r.status::text AS status, count(DISTINCT r.order_id)::text AS orders, coalesce(sum(l.quantity) FILTER (WHERE r.status = 'RESERVED'), 0)::text AS units
       FROM reservations r JOIN reservation_lines l ON l.reservation_id = r.id WHERE l.sku = $1 GROUP BY r.status ORDER BY 1`,
    [sku],
  );
  expect(reserved).toEqual([
    { status: 'OUT_OF_STOCK', orders: String(ORDERS - UNITS), units: '0' },
    { status: 'RESERVED', orders: String(UNITS), units: String(UNITS) },
  ]);
});

test('the confirmed orders hold the reservations; every cancelled order was charged once and refunded once', async () => {
  const ids = orders.map((o) => o.id);
  const confirmed = new Set(finals.filter((r) => r.status === 'CONFIRMED').map((r) => r.id));
  const reservations = await dbQuery<{ order_id: string; status: string }>(
    'inventory',
    'SELECT order_id::text, status::text FROM reservations WHERE order_id = ANY($1::uuid[])',
    [ids],
  );
  expect(reservations).toHaveLength(ORDERS);
  expect(new Set(reservations.filter((r) => r.status === 'RESERVED').map((r) => r.order_id))).toEqual(
    confirmed,
  );

  const payments = await dbQuery<{ order_id: string; status: string; refunds: string }>(
    'payment',
    `SELECT p.order_id::text, p.status::text, (SELECT count(*) FROM refunds r WHERE r.order_id = p.order_id)::text AS refunds FROM payments p WHERE p.order_id = ANY($1::uuid[])`,
    [ids],
  );
  expect(payments).toHaveLength(ORDERS);
  for (const p of payments) {
    expect({ order: p.order_id, status: p.status, refunds: p.refunds }).toEqual(
      confirmed.has(p.order_id)
        ? { order: p.order_id, status: 'SUCCEEDED', refunds: '0' }
        : { order: p.order_id, status: 'REFUNDED', refunds: '1' },
    );
  }
});

test('every customer is told exactly once; one stock decision per order and one payment_refunded per cancelled order on the topics', async () => {
  const ids = orders.map((o) => o.id);
  const notes = await dbQuery<{ order_id: string; kind: string }>(
    'notification',
    'SELECT order_id::text, kind FROM notifications WHERE order_id = ANY($1::uuid[])',
    [ids],
  );
  expect(countBy(notes, (n) => n.kind)).toEqual({ ORDER_CONFIRMED: UNITS, ORDER_CANCELLED: ORDERS - UNITS });
  expect(new Set(notes.map((n) => n.order_id)).size).toBe(ORDERS);

  const messages = await readSagaMessages(new Set(ids), {
    since,
    // inventory_updated too: a foreign OUT_OF_STOCK decision there would explain a wrong count above.
    expected: ORDERS - UNITS + ORDERS,
    topics: [Topics.PaymentRefunded, Topics.InventoryUpdated],
  });
  const events = await logicalEvents(messages, await ownEventIds(ids));
  expect(foreignReport(events)).toBe('none');
  for (const r of finals)
    expect({ order: r.id, refunds: logicalCount(events, r.id, Topics.PaymentRefunded) }).toEqual({
      order: r.id,
      refunds: r.status === 'CANCELLED' ? 1 : 0,
    });
  for (const r of finals)
    expect({ order: r.id, decisions: logicalCount(events, r.id, Topics.InventoryUpdated) }).toEqual({
      order: r.id,
      decisions: 1,
    });
});
