// The server decides the price (security): a client chooses SKUs and quantities, never what it is charged.
// On the real stack and the four real services: a client's price that is not the catalog's is refused
// (409) and nothing is created; an order without prices is charged the catalog's price × quantity, and the
// payment service charges exactly that; an admin's price change reaches the order service through
// catalog_price_set (bytes on the topic, keyed sku:currency) and is charged to new orders only; a customer
// cannot set a price (403).
import { randomUUID } from 'node:crypto';
import { Topics, type ApiOrder, type ApiPriceChangedProblem } from '@orderflow/contracts';
import { bearer } from '../support/auth';
import {
  catalogPrice,
  catalogPrices,
  INVENTORY_API,
  orderServicePrice,
  priceSku,
  setPrice,
  waitForOrderPrice,
} from '../support/catalog';
import {
  apiAs,
  decodeSagaMessage,
  getOrder,
  getPayment,
  leftBehind,
  orderRequest,
  placeOrder,
  readSagaMessages,
  setStock,
  waitForOrder,
  type PaymentRecord,
} from './support/saga';

const since = Date.now() - 1000;
const SEEDED = 'SKU-2';
/** The customers of the requests (a) expects refused: none may have an order or an event. */
const refused: string[] = [];

/** The payment service's record of an order's charge, once it has one. */
async function chargeOf(orderId: string): Promise<PaymentRecord> {
  const end = Date.now() + 30_000;
  for (;;) {
    const payment = await getPayment(orderId);
    if (payment) return payment;
    if (Date.now() > end) throw new Error(`the payment service recorded no payment for ${orderId}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('(a) a client price that is not the catalog price', () => {
  test('POST with unitPriceMinor 1 for a seeded SKU → 409 price-changed naming the line, both prices; no order', async () => {
    const body = orderRequest({ lines: [{ sku: SEEDED, quantity: 3, unitPriceMinor: 1 }] });
    refused.push(body.customer.id);
    const { data, error, response } = await apiAs(body.customer.id).POST('/orders', { body });
    expect(data).toBeUndefined();
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const current = await catalogPrice(SEEDED);
    expect(error).toMatchObject({
      type: 'urn:orderflow:problem:price-changed',
      status: 409,
      code: 'PRICE_CHANGED',
      errors: [{ path: '/lines/0/unitPriceMinor', message: `sent 1, the catalog's price is ${current}` }],
    });
    expect((error as ApiPriceChangedProblem).priceChanges).toEqual([
      {
        path: '/lines/0/unitPriceMinor',
        sku: SEEDED,
        currency: 'EUR',
        sentUnitPriceMinor: 1,
        currentUnitPriceMinor: current,
      },
    ]);
    expect(await leftBehind(body.customer.id)).toEqual({ orders: 0, outbox: 0 });
  });

  test('a SKU without a price in the order currency → 422 naming /lines/<i>/sku; no order', async () => {
    const unpriced = `E2E-UNPRICED-${randomUUID().slice(0, 8)}`;
    await setStock(unpriced, 10);
    const body = orderRequest({
      lines: [
        { sku: SEEDED, quantity: 1 },
        { sku: unpriced, quantity: 1 },
      ],
    });
    const res = await apiAs(body.customer.id).POST('/orders', { body });
    expect(res.response.status).toBe(422);
    expect(res.error).toMatchObject({
      type: 'urn:orderflow:problem:sku-not-priced',
      code: 'SKU_NOT_PRICED',
      errors: [{ path: '/lines/1/sku', message: 'has no price in EUR' }],
    });
    // A currency the catalog has no price in is the same refusal.
    const yen = orderRequest({ currency: 'JPY' });
    refused.push(body.customer.id, yen.customer.id);
    const inYen = await apiAs(yen.customer.id).POST('/orders', { body: yen });
    expect(inYen.response.status).toBe(422);
    expect(inYen.error).toMatchObject({ errors: [{ path: '/lines/0/sku', message: 'has no price in JPY' }] });
    expect(await leftBehind(body.customer.id)).toEqual({ orders: 0, outbox: 0 });
    expect(await leftBehind(yen.customer.id)).toEqual({ orders: 0, outbox: 0 });
  });

  test('none of the refused requests published anything on order_created', async () => {
    const created = await readSagaMessages('all', {
      since,
      expected: 0,
      topics: [Topics.OrderCreated],
      settleMs: 2000,
      timeoutMs: 5000,
    });
    const customers = await Promise.all(
      created.map(async (m) => ((await decodeSagaMessage(m)).event.customer as { id: string }).id),
    );
    expect(refused).toHaveLength(3);
    expect(customers.filter((c) => refused.includes(c))).toEqual([]);
  });
});

describe('(b) an order without prices', () => {
  let order: ApiOrder;
  let price: number;

  beforeAll(async () => {
    price = await catalogPrice(SEEDED);
    order = await placeOrder(orderRequest({ lines: [{ sku: SEEDED, quantity: 3 }] }));
  });

  test('is priced from the catalog: amount = catalog price × quantity', () => {
    expect(order.lines).toEqual([{ sku: SEEDED, quantity: 3, unitPriceMinor: price }]);
    expect(order.amountMinor).toBe(3 * price);
  });

  test('and the payment service charges exactly that amount', async () => {
    const final = await waitForOrder(order.id);
    expect(final.status).toBe('CONFIRMED');
    expect(await chargeOf(order.id)).toMatchObject({
      orderId: order.id,
      status: 'SUCCEEDED',
      amountMinor: 3 * price,
      currency: 'EUR',
    });
  });
});

describe("(c) an admin changes a SKU's price", () => {
  const sku = `E2E-PRICE-${randomUUID().slice(0, 8)}`;
  let before: ApiOrder;
  let after: ApiOrder;
  let versions: { first: number; second: number };

  beforeAll(async () => {
    await setStock(sku, 1_000);
    versions = { first: (await priceSku(sku, 1000)).version, second: 0 };
    before = await placeOrder(orderRequest({ lines: [{ sku, quantity: 2 }] }));
    await waitForOrder(before.id);
    // What an operator does: PUT /inventory/{sku}/prices/EUR with an admin token.
    versions.second = (await setPrice(sku, 'EUR', 1250)).version;
    // The order service learns it from catalog_price_set, asynchronously: wait for it, never sleep.
    await waitForOrderPrice(sku, 'EUR', 1250);
    after = await placeOrder(orderRequest({ lines: [{ sku, quantity: 2 }] }));
    await waitForOrder(after.id);
  }, 120_000);

  test('the inventory bumped the version and published catalog_price_set, keyed sku:currency', async () => {
    expect(versions.second).toBe(versions.first + 1);
    const published = await readSagaMessages(new Set([`${sku}:EUR`]), {
      since,
      expected: 2,
      topics: [Topics.CatalogPriceSet],
    });
    const events = await Promise.all(published.map(async (m) => (await decodeSagaMessage(m)).event));
    expect(events.map((e) => [e['sku'], e['currency'], e['unitPriceMinor'], e['version']])).toEqual([
      [sku, 'EUR', 1000, versions.first],
      [sku, 'EUR', 1250, versions.second],
    ]);
  });

  test('a new order is charged the new price', async () => {
    expect(after.amountMinor).toBe(2 * 1250);
    expect(await chargeOf(after.id)).toMatchObject({ status: 'SUCCEEDED', amountMinor: 2 * 1250 });
  });

  test('an order placed before is unchanged, and so is its charge', async () => {
    const now = await getOrder(before.id);
    expect({ amount: now.amountMinor, lines: now.lines }).toEqual({
      amount: 2 * 1000,
      lines: [{ sku, quantity: 2, unitPriceMinor: 1000 }],
    });
    expect(await chargeOf(before.id)).toMatchObject({ status: 'SUCCEEDED', amountMinor: 2 * 1000 });
  });

  test('a client still sending the old price is told the new one (409)', async () => {
    const body = orderRequest({ lines: [{ sku, quantity: 1, unitPriceMinor: 1000 }] });
    const res = await apiAs(body.customer.id).POST('/orders', { body });
    expect(res.response.status).toBe(409);
    expect((res.error as ApiPriceChangedProblem).priceChanges[0]).toMatchObject({
      sentUnitPriceMinor: 1000,
      currentUnitPriceMinor: 1250,
    });
  });
});

test('(d) a customer cannot set a price: 403, and the catalog and what orders are charged stay as they were', async () => {
  const before = await catalogPrices(SEEDED);
  const res = await fetch(`${INVENTORY_API}/inventory/${SEEDED}/prices/EUR`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(await bearer(`e2e-${randomUUID()}`)) },
    body: JSON.stringify({ unitPriceMinor: 1 }),
  });
  expect(res.status).toBe(403);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(await res.json()).toMatchObject({ code: 'FORBIDDEN', requiredScopes: ['admin'] });
  expect(await catalogPrices(SEEDED)).toEqual(before);
  expect(await orderServicePrice(SEEDED, 'EUR')).toBe(
    before.find((p) => p.currency === 'EUR')?.unitPriceMinor,
  );
});
