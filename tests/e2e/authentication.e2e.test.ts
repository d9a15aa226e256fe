// Authentication and authorization on the four running services: every route but /health refuses a
// request without a token (401 problem+json with WWW-Authenticate), customers see only their own orders
// (another's is 404), admin-only routes refuse a customer (403), and a client over its rate limit is
// answered 429 with Retry-After.
import { randomUUID } from 'node:crypto';
import { adminHeaders, bearer } from '../support/auth';
import { ORDER_API, apiAs, orderRequest, placeOrder } from './support/saga';

const PORTS = { order: 8001, payment: 8002, inventory: 8003, notification: 8004 } as const;
const id = randomUUID();

/** Every route of every service (src/access.ts of each, plus the kit's /ready and /metrics). */
const ROUTES: readonly [keyof typeof PORTS, string, string][] = [
  ['order', 'POST', '/orders'],
  ['order', 'GET', '/orders'],
  ['order', 'GET', `/orders/${id}`],
  ['payment', 'GET', `/payments/${id}`],
  ['inventory', 'GET', '/inventory/SKU-1'],
  ['inventory', 'POST', '/inventory/SKU-1/restock'],
  ['inventory', 'PUT', '/inventory/SKU-1'],
  ['inventory', 'GET', '/inventory/SKU-1/prices'],
  ['inventory', 'PUT', '/inventory/SKU-1/prices/EUR'],
  ['notification', 'GET', '/notifications'],
  ...(Object.keys(PORTS) as (keyof typeof PORTS)[]).flatMap((s) => [
    [s, 'GET', '/ready'] as [keyof typeof PORTS, string, string],
    [s, 'GET', '/metrics'] as [keyof typeof PORTS, string, string],
  ]),
];

const call = (
  service: keyof typeof PORTS,
  method: string,
  path: string,
  headers: Record<string, string> = {},
) =>
  fetch(`http://localhost:${PORTS[service]}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(method === 'GET' ? {} : { body: JSON.stringify({ quantity: 1, available: 1, unitPriceMinor: 1 }) }),
  });

test.each(ROUTES)(
  '%s %s %s without a token → 401 problem+json with WWW-Authenticate',
  async (s, method, path) => {
    const res = await call(s, method, path);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="orderflow"/);
    expect(await res.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    // A token that is not one: 401 naming the problem.
    const forged = await call(s, method, path, { authorization: 'Bearer not.a.jwt' });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');
  },
);

test.each(Object.keys(PORTS) as (keyof typeof PORTS)[])('%s: /health stays open', async (s) => {
  expect((await call(s, 'GET', '/health')).status).toBe(200);
});

test("customer A reading B's order → 404, and A's list does not hold it", async () => {
  const b = await placeOrder(orderRequest());
  const a = `e2e-a-${randomUUID()}`;
  const read = await apiAs(a).GET('/orders/{orderId}', { params: { path: { orderId: b.id } } });
  expect(read.response.status).toBe(404);
  expect(read.error).toMatchObject({ code: 'NOT_FOUND' });
  expect(JSON.stringify(read.error)).not.toContain(b.customer.id);
  const list = await apiAs(a).GET('/orders', { params: { query: { limit: 100 } } });
  expect(list.data?.items.map((o) => o.id)).not.toContain(b.id);
  // Placing an order in another customer's name is refused.
  const posing = await apiAs(a).POST('/orders', { body: orderRequest({}, b.customer.id) });
  expect(posing.response.status).toBe(403);
});

test('admin-only routes refuse a customer (403) and answer an admin', async () => {
  const customer = await bearer(`e2e-${randomUUID()}`);
  for (const [s, method, path] of [
    ['inventory', 'POST', '/inventory/SKU-1/restock'],
    ['inventory', 'PUT', `/inventory/E2E-AUTH-${randomUUID().slice(0, 8)}`],
    ['inventory', 'PUT', '/inventory/SKU-1/prices/EUR'],
    ['payment', 'GET', `/payments/${id}`],
    ['notification', 'GET', '/notifications'],
    ['order', 'GET', '/metrics'],
  ] as const) {
    const res = await call(s, method, path, customer);
    expect([s, path, res.status]).toEqual([s, path, 403]);
    expect(await res.json()).toMatchObject({ code: 'FORBIDDEN' });
  }
  expect((await call('payment', 'GET', `/payments/${id}`, await adminHeaders())).status).toBe(404);
  expect((await call('notification', 'GET', '/notifications', await adminHeaders())).status).toBe(200);
});

test('a client over its rate limit → 429 problem+json with Retry-After; other clients are not limited', async () => {
  const noisy = await bearer(`e2e-noisy-${randomUUID()}`);
  // Unknown route: cheap (404 after the guard), yet counted like any request. The default limit is
  // 1200 per minute; whatever RATE_LIMIT_PER_MINUTE the services run with, 429 comes within 20,000.
  let limited: Response | undefined;
  for (let n = 0; n < 20_000 && limited === undefined; n += 50) {
    const batch = await Promise.all(
      Array.from({ length: 50 }, () => fetch(`${ORDER_API}/nowhere`, { headers: noisy })),
    );
    limited = batch.find((r) => r.status === 429);
    await Promise.all(batch.filter((r) => r !== limited).map((r) => r.body?.cancel() ?? Promise.resolve()));
  }
  expect(limited?.status).toBe(429);
  expect(limited!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(await limited!.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  const other = await fetch(`${ORDER_API}/nowhere`, { headers: await bearer(`e2e-quiet-${randomUUID()}`) });
  expect(other.status).toBe(404);
});
