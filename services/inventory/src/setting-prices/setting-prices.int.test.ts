// PUT /inventory/{sku}/prices/{currency} and GET /inventory/{sku}/prices against the real database: every
// change bumps the version and enqueues catalog_price_set (keyed sku:currency) in the same transaction.
import { randomUUID } from 'node:crypto';
import { catalogPriceSetCodec, Topics } from '@orderflow/contracts';
import { startInventory, type InventoryHarness } from '../../test/harness';
import { adminHeaders, bearer } from '../../../../tests/support/auth';

jest.setTimeout(60_000);

let harness: InventoryHarness;
beforeAll(async () => {
  harness = await startInventory('prices');
});
afterAll(async () => {
  await harness?.stop();
});

const sku = (): string => `P-${randomUUID().slice(0, 8)}`;
const send = async (
  method: string,
  path: string,
  body: unknown,
  headers = adminHeaders(),
): Promise<Response> =>
  fetch(`${harness.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(await headers) },
    body: JSON.stringify(body),
  });
const priceEvents = async (s: string) => {
  const codec = catalogPriceSetCodec(harness.registry);
  const rows = await harness.service.db.outboxEvent.findMany({
    where: { topic: Topics.CatalogPriceSet, key: { startsWith: `${s}:` } },
    orderBy: { id: 'asc' },
  });
  return Promise.all(
    rows.map(async (r) => ({ key: r.key, event: await codec.decode(Buffer.from(r.value!)) })),
  );
};

test('setting a price bumps its version and publishes catalog_price_set; the same price again publishes nothing', async () => {
  const s = sku();
  await send('PUT', `/inventory/${s}`, { available: 5 });
  const first = await send('PUT', `/inventory/${s}/prices/EUR`, { unitPriceMinor: 1500 });
  expect(first.status).toBe(200);
  expect(await first.json()).toMatchObject({ sku: s, currency: 'EUR', unitPriceMinor: 1500, version: 1 });
  expect(
    await (await send('PUT', `/inventory/${s}/prices/EUR`, { unitPriceMinor: 1500 })).json(),
  ).toMatchObject({
    unitPriceMinor: 1500,
    version: 1,
  });
  expect(
    await (await send('PUT', `/inventory/${s}/prices/EUR`, { unitPriceMinor: 1750 })).json(),
  ).toMatchObject({
    unitPriceMinor: 1750,
    version: 2,
  });
  await send('PUT', `/inventory/${s}/prices/USD`, { unitPriceMinor: 1900 });

  expect((await priceEvents(s)).map(({ key, event }) => [key, event.unitPriceMinor, event.version])).toEqual([
    [`${s}:EUR`, 1500, 1],
    [`${s}:EUR`, 1750, 2],
    [`${s}:USD`, 1900, 1],
  ]);
  const listed = await fetch(`${harness.baseUrl}/inventory/${s}/prices`, {
    headers: await bearer('int-reader'),
  });
  expect(await listed.json()).toMatchObject({
    sku: s,
    prices: [
      { currency: 'EUR', unitPriceMinor: 1750, version: 2 },
      { currency: 'USD', unitPriceMinor: 1900, version: 1 },
    ],
  });
});

test('an unknown SKU is 404 and publishes nothing; bad bodies and currencies are 400 naming the place', async () => {
  const unknown = sku();
  expect((await send('PUT', `/inventory/${unknown}/prices/EUR`, { unitPriceMinor: 100 })).status).toBe(404);
  expect(
    (await fetch(`${harness.baseUrl}/inventory/${unknown}/prices`, { headers: await bearer('r') })).status,
  ).toBe(404);
  expect(await priceEvents(unknown)).toEqual([]);

  const s = sku();
  await send('PUT', `/inventory/${s}`, { available: 1 });
  for (const [body, path] of [
    [{ unitPriceMinor: 0 }, '/unitPriceMinor'],
    [{ unitPriceMinor: 1.5 }, '/unitPriceMinor'],
    [{ unitPriceMinor: 1_000_000_001 }, '/unitPriceMinor'],
    [{}, '/unitPriceMinor'],
    [{ unitPriceMinor: 5, currency: 'EUR' }, '/currency'],
  ] as const) {
    const res = await send('PUT', `/inventory/${s}/prices/EUR`, body);
    expect({ body, status: res.status }).toEqual({ body, status: 400 });
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path }] });
  }
  const badCurrency = await send('PUT', `/inventory/${s}/prices/eur`, { unitPriceMinor: 5 });
  expect(badCurrency.status).toBe(400);
  expect(await badCurrency.json()).toMatchObject({ errors: [{ path: 'path.currency' }] });
  expect(await priceEvents(s)).toEqual([]);
});

test("setting a price needs the admin scope: 401 without a token, 403 with a customer's", async () => {
  const s = sku();
  await send('PUT', `/inventory/${s}`, { available: 1 });
  const anonymous = await fetch(`${harness.baseUrl}/inventory/${s}/prices/EUR`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ unitPriceMinor: 1 }),
  });
  expect(anonymous.status).toBe(401);
  const customer = await send(
    'PUT',
    `/inventory/${s}/prices/EUR`,
    { unitPriceMinor: 1 },
    bearer('int-customer'),
  );
  expect(customer.status).toBe(403);
  expect(await customer.json()).toMatchObject({ code: 'FORBIDDEN', requiredScopes: ['admin'] });
  expect(await priceEvents(s)).toEqual([]);
});
