// Placing an order against a real (scratch, migrated) order database: every line is priced from the
// catalog read model, a client's price never changes what is charged (a different one is refused, and
// nothing is written), and the read model only ever moves to a higher version.
import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient } from '@orderflow/codec';
import { catalogPriceSet, orderCreatedCodec, Topics } from '@orderflow/contracts';
import { ApiError, databasePool, eventHeaders, prismaTransactions } from '@orderflow/platform';
import { REGISTRY_URL } from '@orderflow/platform/testing';
import { scratchDatabase } from '../../../../tests/support/scratch-database';
import { recordPrice } from '../../test/harness';
import { createDb, type OrderDb } from '../db';
import { recordCatalogPrices } from '../recording-prices/handler';
import type { PlaceOrder } from './decide';
import { placeOrder } from './place-order';
import { RememberedPrices } from './remembered-prices';

const orderCreated = orderCreatedCodec(new SchemaRegistryClient({ url: REGISTRY_URL }));
let db: { url: string; drop: () => Promise<void> };
let prisma: OrderDb;
let writes: ReturnType<typeof databasePool>;

beforeAll(async () => {
  db = await scratchDatabase('order', 'placing_test');
  prisma = createDb(db.url);
  writes = databasePool(db.url, { poolSize: 2 });
});

afterAll(async () => {
  await prisma.$disconnect();
  await writes.end();
  await db.drop();
});

const sku = (): string => `INT-${randomUUID().slice(0, 8)}`;
const request = (lines: PlaceOrder['lines'], customer = `c-${randomUUID()}`): PlaceOrder => ({
  customer: { id: customer, email: 'ada@example.com' },
  lines,
  currency: 'EUR',
});
const place = (body: PlaceOrder, idempotencyKey?: string) =>
  placeOrder({ prisma, writes, orderCreated }, body, {
    owner: body.customer.id,
    idempotencyKey,
    headers: eventHeaders(),
  });
const refusal = async (p: Promise<unknown>): Promise<ApiError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return err;
};
const ordersOf = (customer: string) => prisma.order.count({ where: { customerId: customer } });

test('a line without a price is charged the catalog price: the row, the lines and order_created agree', async () => {
  const a = sku();
  const b = sku();
  await recordPrice(prisma, a, 1999);
  await recordPrice(prisma, b, 4500);
  const placed = await place(
    request([
      { sku: a, quantity: 3 },
      { sku: b, quantity: 1, unitPriceMinor: 4500 },
    ]),
  );
  expect(placed.order).toMatchObject({
    amountMinor: 3 * 1999 + 4500,
    lines: [
      { sku: a, quantity: 3, unitPriceMinor: 1999 },
      { sku: b, quantity: 1, unitPriceMinor: 4500 },
    ],
  });
  const row = await prisma.order.findUniqueOrThrow({
    where: { id: placed.order.id },
    include: { lines: true },
  });
  expect(row.totalAmount).toBe(BigInt(3 * 1999 + 4500));
  expect(row.lines.map((l) => Number(l.unitPriceMinor))).toEqual([1999, 4500]);
  const outbox = await prisma.outboxEvent.findFirstOrThrow({
    where: { key: placed.order.id, topic: Topics.OrderCreated },
  });
  const event = await orderCreated.decode(Buffer.from(outbox.value!));
  expect({ amountMinor: event.amountMinor, prices: event.lines.map((l) => l.unitPriceMinor) }).toEqual({
    amountMinor: 3 * 1999 + 4500,
    prices: [1999, 4500],
  });
});

test('a client price that is not the catalog price is refused (409) and nothing is written', async () => {
  const a = sku();
  await recordPrice(prisma, a, 1999);
  const body = request([{ sku: a, quantity: 1, unitPriceMinor: 1 }]);
  const err = await refusal(place(body));
  expect(err.code).toBe('PRICE_CHANGED');
  expect(err.extra).toMatchObject({
    errors: [{ path: '/lines/0/unitPriceMinor' }],
    priceChanges: [{ sku: a, sentUnitPriceMinor: 1, currentUnitPriceMinor: 1999 }],
  });
  expect(await ordersOf(body.customer.id)).toBe(0);
});

test('a SKU without a price in the order currency is refused (422) naming the line; nothing is written', async () => {
  const a = sku();
  await recordPrice(prisma, a, 2199, 'USD');
  const body = request([{ sku: a, quantity: 1 }]);
  const err = await refusal(place(body));
  expect(err.code).toBe('SKU_NOT_PRICED');
  expect(err.extra.errors).toEqual([{ path: '/lines/0/sku', message: 'has no price in EUR' }]);
  expect(await ordersOf(body.customer.id)).toBe(0);
});

test('an Idempotency-Key retry after a price change replays the order at the price it was placed at', async () => {
  const a = sku();
  await recordPrice(prisma, a, 1000);
  const withPrice = request([{ sku: a, quantity: 2, unitPriceMinor: 1000 }]);
  const first = await place(withPrice, 'key-1');
  await recordPrice(prisma, a, 1200);
  // The same body (its old price no longer the catalog's): the earlier order, not a 409.
  const again = await place(withPrice, 'key-1');
  expect({ created: again.created, id: again.order.id, amount: again.order.amountMinor }).toEqual({
    created: false,
    id: first.order.id,
    amount: 2000,
  });
  // A new order is charged the new price; a different body under the same key is still 422.
  expect((await place(request([{ sku: a, quantity: 2 }], withPrice.customer.id))).order.amountMinor).toBe(
    2400,
  );
  expect(
    (await refusal(place(request([{ sku: a, quantity: 1 }], withPrice.customer.id), 'key-1'))).code,
  ).toBe('IDEMPOTENCY_KEY_REUSED');
});

test('the read model keeps the highest version, whatever order the events come in', async () => {
  const a = sku();
  const event = (version: number, unitPriceMinor: number) => ({
    eventId: randomUUID(),
    occurredAt: new Date(1_764_000_000_000 + version),
    sku: a,
    currency: 'EUR',
    unitPriceMinor,
    version,
  });
  const record = (...events: ReturnType<typeof event>[]) =>
    prismaTransactions(prisma)((tx) => recordCatalogPrices(tx, events));
  const stored = () =>
    prisma.catalogPrice.findUniqueOrThrow({ where: { sku_currency: { sku: a, currency: 'EUR' } } });

  expect(await record(event(2, 200), event(1, 100))).toHaveLength(1);
  expect(await stored()).toMatchObject({ unitPriceMinor: 200n, version: 2n });
  expect(await record(event(1, 100))).toEqual([]); // late older event
  expect(await record(event(2, 999))).toEqual([]); // same version again (a replay)
  expect(await stored()).toMatchObject({ unitPriceMinor: 200n, version: 2n });
  await record(event(5, 500));
  expect(await stored()).toMatchObject({ unitPriceMinor: 500n, version: 5n });
  expect(catalogPriceSet.key(event(5, 500))).toBe(`${a}:EUR`);
});

describe('with the prices this process remembers', () => {
  const prices = new RememberedPrices();
  /** The statements the POST path sent, in order. */
  const sent: string[] = [];
  let counted: typeof writes;
  const watched = new WeakSet<object>();
  // After the outer beforeAll made `writes`.
  beforeAll(() => {
    counted = new Proxy(writes, {
      get(target, property) {
        if (property !== 'connect') return Reflect.get(target, property) as unknown;
        return async () => {
          const client = await target.connect();
          // The pool hands the same client out again: count through it once.
          if (watched.has(client)) return client;
          watched.add(client);
          const query = client.query.bind(client) as (...args: unknown[]) => unknown;
          (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
            sent.push(String(args[0]).trimStart().startsWith('SELECT') ? 'prices' : 'order');
            return query(...args);
          };
          return client;
        };
      },
    });
  });

  const placeRemembering = (body: PlaceOrder, idempotencyKey?: string) => {
    sent.length = 0;
    return placeOrder({ prisma, writes: counted, orderCreated, prices }, body, {
      owner: body.customer.id,
      idempotencyKey,
      headers: eventHeaders(),
    });
  };

  test("a POST whose prices are remembered and still the catalog's is one statement", async () => {
    const a = sku();
    await recordPrice(prisma, a, 700);
    expect((await placeRemembering(request([{ sku: a, quantity: 1 }]))).order.amountMinor).toBe(700);
    expect(sent).toEqual(['prices', 'order']);
    expect((await placeRemembering(request([{ sku: a, quantity: 3 }]))).order.amountMinor).toBe(2100);
    expect(sent).toEqual(['order']);
  });

  test('a catalog change is charged at once: the statement refuses the remembered price, writes nothing, and the order is placed at the new one', async () => {
    const a = sku();
    await recordPrice(prisma, a, 1000);
    await placeRemembering(request([{ sku: a, quantity: 1 }]));
    await recordPrice(prisma, a, 1200);
    const body = request([{ sku: a, quantity: 2 }]);
    const placed = await placeRemembering(body, 'remembered-1');
    expect(sent).toEqual(['order', 'prices', 'order']);
    expect(placed).toMatchObject({ created: true, order: { amountMinor: 2400 } });
    const stored = await prisma.order.findUniqueOrThrow({
      where: { id: placed.order.id },
      include: { lines: true },
    });
    expect(stored.totalAmount).toBe(2400n);
    expect(stored.lines.map((l) => l.unitPriceMinor)).toEqual([1200n]);
    // One order, and the key names it: the refused statement took neither.
    expect(await ordersOf(body.customer.id)).toBe(1);
    const replay = await placeRemembering(body, 'remembered-1');
    expect({ created: replay.created, id: replay.order.id }).toEqual({ created: false, id: placed.order.id });
    // The new price is remembered: one statement again.
    await placeRemembering(request([{ sku: a, quantity: 1 }]));
    expect(sent).toEqual(['order']);
  });

  test('only the catalog as it is refuses: a client sending the new price is not refused by a remembered old one, and a gone SKU is 422', async () => {
    const a = sku();
    await recordPrice(prisma, a, 500);
    await placeRemembering(request([{ sku: a, quantity: 1 }]));
    await recordPrice(prisma, a, 650);
    const placed = await placeRemembering(request([{ sku: a, quantity: 1, unitPriceMinor: 650 }]));
    expect(placed).toMatchObject({ created: true, order: { amountMinor: 650 } });
    const stale = await refusal(placeRemembering(request([{ sku: a, quantity: 1, unitPriceMinor: 500 }])));
    expect(stale.code).toBe('PRICE_CHANGED');
    const other = sku();
    await recordPrice(prisma, other, 900);
    await placeRemembering(request([{ sku: other, quantity: 1 }]));
    // The price in USD only now: the remembered EUR price is refused by the statement, then by the catalog.
    await prisma.$executeRawUnsafe(`DELETE FROM "catalog_prices" WHERE "sku" = $1`, other);
    const body = request([{ sku: other, quantity: 1 }]);
    expect((await refusal(placeRemembering(body))).code).toBe('SKU_NOT_PRICED');
    expect(await ordersOf(body.customer.id)).toBe(0);
  });
});
