// POST /inventory/{sku}/restock and PUT /inventory/{sku} against the real database and Redis.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startInventory, type InventoryHarness } from '../../test/harness';
import { adminHeaders, bearer } from '../../../../tests/support/auth';

jest.setTimeout(60_000);

let harness: InventoryHarness;
const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
beforeAll(async () => {
  harness = await startInventory('restock');
  await redis.connect();
});
afterAll(async () => {
  redis.disconnect();
  await harness?.stop();
});

const sku = (): string => `R-${randomUUID().slice(0, 8)}`;
const send = async (
  method: string,
  path: string,
  body: unknown,
  contentType = 'application/json',
): Promise<Response> =>
  fetch(`${harness.baseUrl}${path}`, {
    method,
    headers: { 'content-type': contentType, ...(await adminHeaders()) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

test('restocking adds units; GET is served from Redis, and the restock drops the cached entry', async () => {
  const s = sku();
  await send('PUT', `/inventory/${s}`, { available: 2 });
  expect(
    await (
      await fetch(`${harness.baseUrl}/inventory/${s}`, { headers: await bearer('int-stock-reader') })
    ).json(),
  ).toMatchObject({ available: 2 });
  expect(JSON.parse((await redis.get(`inventory:stock:${s}`)) ?? 'null')).toMatchObject({
    sku: s,
    available: 2,
  });
  const res = await send('POST', `/inventory/${s}/restock`, { quantity: 5 });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ sku: s, available: 7, reserved: 0 });
  expect(await redis.get(`inventory:stock:${s}`)).toBeNull();
  expect(
    await (
      await fetch(`${harness.baseUrl}/inventory/${s}`, { headers: await bearer('int-stock-reader') })
    ).json(),
  ).toMatchObject({ available: 7 });
  expect((await harness.service.db.stock.findUniqueOrThrow({ where: { sku: s } })).available).toBe(7);
});

test.each([
  [{ quantity: 0 }, '/quantity', 'must be an integer from 1 to 1000000'],
  [{ quantity: 2.5 }, '/quantity', 'must be an integer from 1 to 1000000'],
  [{ quantity: '3' }, '/quantity', 'must be an integer from 1 to 1000000'],
  [{}, '/quantity', 'is required'],
  [{ quantity: 1, extra: true }, '/extra', 'is not a known field'],
])('restock body %j → 400 problem naming %s', async (body, path, message) => {
  const s = sku();
  await send('PUT', `/inventory/${s}`, { available: 2 });
  const res = await send('POST', `/inventory/${s}/restock`, body);
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(await res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path, message }] });
  expect((await harness.service.db.stock.findUniqueOrThrow({ where: { sku: s } })).available).toBe(2);
});

test("restocking and setting stock need the admin scope: 401 without a token, 403 with a customer's", async () => {
  const s = sku();
  await send('PUT', `/inventory/${s}`, { available: 2 });
  const anonymous = await fetch(`${harness.baseUrl}/inventory/${s}/restock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ quantity: 1 }),
  });
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /);
  for (const [method, path, body] of [
    ['POST', `/inventory/${s}/restock`, { quantity: 1 }],
    ['PUT', `/inventory/${s}`, { available: 50 }],
  ] as const) {
    const res = await fetch(`${harness.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(await bearer('int-customer')) },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'FORBIDDEN', requiredScopes: ['admin'] });
  }
  expect((await harness.service.db.stock.findUniqueOrThrow({ where: { sku: s } })).available).toBe(2);
});

test('restocking an unknown SKU is 404; a malformed SKU is 400 naming sku; a non-JSON body is 415', async () => {
  expect((await send('POST', `/inventory/${sku()}/restock`, { quantity: 1 })).status).toBe(404);
  const bad = await send('POST', '/inventory/-bad!/restock', { quantity: 1 });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ errors: [{ path: 'path.sku' }] });
  expect(
    (await send('POST', `/inventory/SKU-1/restock`, 'quantity=1', 'application/x-www-form-urlencoded'))
      .status,
  ).toBe(415);
  expect(
    (await fetch(`${harness.baseUrl}/inventory/${sku()}`, { headers: await bearer('int-stock-reader') }))
      .status,
  ).toBe(404);
});

test('PUT /inventory/{sku} (test endpoint) sets available units outright and rejects negatives', async () => {
  const s = sku();
  expect(await (await send('PUT', `/inventory/${s}`, { available: 10 })).json()).toMatchObject({
    sku: s,
    available: 10,
    reserved: 0,
  });
  expect(await (await send('PUT', `/inventory/${s}`, { available: 3 })).json()).toMatchObject({
    available: 3,
  });
  const negative = await send('PUT', `/inventory/${s}`, { available: -1 });
  expect(negative.status).toBe(400);
  expect(await negative.json()).toMatchObject({ errors: [{ path: '/available' }] });
});
