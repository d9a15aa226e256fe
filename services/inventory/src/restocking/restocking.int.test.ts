// POST /inventory/{sku}/restock and PUT /inventory/{sku} against the real database and Redis.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startInventory, type InventoryHarness } from '../../test/harness';

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
const send = (
  method: string,
  path: string,
  body: unknown,
  contentType = 'application/json',
): Promise<Response> =>
  fetch(`${harness.baseUrl}${path}`, {
    method,
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

test('restocking adds units; GET is served from Redis, and the restock drops the cached entry', async () => {
  const s = sku();
  await send('PUT', `/inventory/${s}`, { available: 2 });
  expect(await (await fetch(`${harness.baseUrl}/inventory/${s}`)).json()).toMatchObject({ available: 2 });
  expect(JSON.parse((await redis.get(`inventory:stock:${s}`)) ?? 'null')).toMatchObject({
    sku: s,
    available: 2,
  });
  const res = await send('POST', `/inventory/${s}/restock`, { quantity: 5 });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ sku: s, available: 7, reserved: 0 });
  expect(await redis.get(`inventory:stock:${s}`)).toBeNull();
  expect(await (await fetch(`${harness.baseUrl}/inventory/${s}`)).json()).toMatchObject({ available: 7 });
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

test('restocking an unknown SKU is 404; a malformed SKU is 400 naming sku; a non-JSON body is 415', async () => {
  expect((await send('POST', `/inventory/${sku()}/restock`, { quantity: 1 })).status).toBe(404);
  const bad = await send('POST', '/inventory/-bad!/restock', { quantity: 1 });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ errors: [{ path: 'path.sku' }] });
  expect(
    (await send('POST', `/inventory/SKU-1/restock`, 'quantity=1', 'application/x-www-form-urlencoded'))
      .status,
  ).toBe(415);
  expect((await fetch(`${harness.baseUrl}/inventory/${sku()}`)).status).toBe(404);
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
