// The console's API over the in-memory fixture: admin-only, problem+json for bad input.
import { adminHeaders, bearer } from '../../../tests/support/auth';
import { FAILED_ORDER } from '../test/fixture-source';
import { serveFixture } from '../test/serve-fixture';

let server: Awaited<ReturnType<typeof serveFixture>>;
beforeAll(async () => {
  server = await serveFixture();
});
afterAll(() => server.close());

const get = async (path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { headers });

test('the page is public, the API needs the admin scope', async () => {
  const page = await get('/');
  expect(page.status).toBe(200);
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect((await get('/api/orders')).status).toBe(401);
  const customer = await get('/api/orders', await bearer('c-1'));
  expect(customer.status).toBe(403);
  expect(customer.headers.get('content-type')).toContain('application/problem+json');
  const replay = await fetch(`${server.url}/api/dead-letters/inventory_updated/replay`, {
    method: 'POST',
    headers: { ...(await bearer('ops', ['operator'])), 'content-type': 'application/json' },
    body: JSON.stringify({ offset: '0:0' }),
  });
  expect(replay.status).toBe(403);
  expect(server.source.replays).toEqual([]);
  expect((await get('/api/orders', await adminHeaders())).status).toBe(200);
});

test.each([
  ['/api/orders?limit=abc', 'query.limit'],
  ['/api/orders?status=LOST', 'query.status'],
  ['/api/orders/not-a-uuid', 'path.orderId'],
  ['/api/dead-letters/nope', 'path.topic'],
  ['/api/dead-letters/order_created?offset=x:y', 'query.offset'],
  ['/api/subjects/order_created-value/diff?from=1', 'query.to'],
])('%s → 400 problem+json naming %s', async (path, field) => {
  const res = await get(path, await adminHeaders());
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(JSON.stringify(await res.json())).toContain(field);
});

test('the order list filters by any status of the order API (and UNKNOWN); another names them all', async () => {
  for (const status of ['PENDING', 'PAID', 'PAYMENT_FAILED', 'CONFIRMED', 'CANCELLED', 'EXPIRED', 'UNKNOWN'])
    expect((await get(`/api/orders?status=${status}`, await adminHeaders())).status).toBe(200);
  const refused = JSON.stringify(await (await get('/api/orders?status=LOST', await adminHeaders())).json());
  expect(refused).toContain(
    'must be one of PENDING, PAID, UNKNOWN, PAYMENT_FAILED, CONFIRMED, CANCELLED, EXPIRED',
  );
});

test('a replay needs exactly one of offset or all, and goes to the source once valid', async () => {
  const post = async (body: unknown) =>
    fetch(`${server.url}/api/dead-letters/inventory_updated.DLT/replay`, {
      method: 'POST',
      headers: { ...(await adminHeaders()), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await post({})).status).toBe(400);
  expect((await post({ offset: '0:0', all: true })).status).toBe(400);
  expect((await post({ offset: '0:0', extra: 1 })).status).toBe(400);
  const ok = await post({ offset: '0:0' });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toMatchObject({
    dlt: 'inventory_updated.DLT',
    outcomes: [{ partition: 0, offset: '0', result: 'replayed' }],
  });
  expect(server.source.replays).toEqual([{ topic: 'inventory_updated', offset: '0' }]);
});

test('an order never seen is 404; a seen one has its journey', async () => {
  expect((await get('/api/orders/44444444-4444-4444-8444-444444444444', await adminHeaders())).status).toBe(
    404,
  );
  const journey = (await (await get(`/api/orders/${FAILED_ORDER}`, await adminHeaders())).json()) as {
    status: string;
    deadLetters: unknown[];
  };
  expect(journey.status).toBe('PAYMENT_FAILED');
  expect(journey.deadLetters).toHaveLength(1);
});
