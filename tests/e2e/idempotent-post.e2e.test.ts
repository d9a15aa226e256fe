// POST /orders with Idempotency-Key on the real order service: a replay returns the same order (200, same
// body), a different body under the same key is refused (422), and 20 concurrent duplicates make ONE
// order and ONE order_created event. Keys are per customer (the token's subject): the same key from two
// customers makes two orders, and the 422 for a reused key shows nothing of another customer's order.
import { randomUUID } from 'node:crypto';
import { bearer } from '../support/auth';
import { ORDER_API, apiAs, orderDb, orderRequest, readSagaMessages } from './support/saga';

const since = Date.now() - 1000;
const key = (): string => `e2e-${randomUUID()}`;

async function ordersOf(customerId: string): Promise<number> {
  const [row] = await orderDb<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE customer_id = $1`, [
    customerId,
  ]);
  return row?.n ?? -1;
}

test('the same key and body again → 200 with the same order and body', async () => {
  const body = orderRequest();
  const k = key();
  const api = apiAs(body.customer.id);
  const first = await api.POST('/orders', { body, params: { header: { 'Idempotency-Key': k } } });
  expect(first.response.status).toBe(201);
  // Let the saga move the order on: the replay must still answer what the first request answered.
  await new Promise((r) => setTimeout(r, 1500));
  const again = await api.POST('/orders', { body, params: { header: { 'Idempotency-Key': k } } });
  expect(again.response.status).toBe(200);
  expect(again.response.headers.get('idempotent-replayed')).toBe('true');
  expect(again.data).toEqual(first.data);
  expect(await ordersOf(body.customer.id)).toBe(1);
});

test('the same key with a different body → 422 problem+json, and no second order', async () => {
  const k = key();
  const body = orderRequest();
  const api = apiAs(body.customer.id);
  const first = await api.POST('/orders', { body, params: { header: { 'Idempotency-Key': k } } });
  expect(first.response.status).toBe(201);
  const other = orderRequest({ currency: 'USD' }, body.customer.id);
  const res = await api.POST('/orders', { body: other, params: { header: { 'Idempotency-Key': k } } });
  expect(res.response.status).toBe(422);
  expect(res.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.error).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED', orderId: first.data?.id });
  expect(await ordersOf(other.customer.id)).toBe(1);
});

test("the same key from two customers → two orders, each its own customer's", async () => {
  const k = key();
  const a = orderRequest();
  const b = orderRequest({ currency: 'USD' });
  const first = await apiAs(a.customer.id).POST('/orders', {
    body: a,
    params: { header: { 'Idempotency-Key': k } },
  });
  const second = await apiAs(b.customer.id).POST('/orders', {
    body: b,
    params: { header: { 'Idempotency-Key': k } },
  });
  // B's request under A's key is neither a replay of A's order nor a 422 naming it.
  expect([first.response.status, second.response.status]).toEqual([201, 201]);
  expect(second.response.headers.get('idempotent-replayed')).toBeNull();
  expect(second.data?.id).not.toBe(first.data?.id);
  expect(second.data).toMatchObject({ customer: { id: b.customer.id }, currency: 'USD' });
  expect(JSON.stringify(second.data)).not.toContain(a.customer.id);
  expect(await ordersOf(a.customer.id)).toBe(1);
  expect(await ordersOf(b.customer.id)).toBe(1);
  // Each replays only its own order.
  const againB = await apiAs(b.customer.id).POST('/orders', {
    body: b,
    params: { header: { 'Idempotency-Key': k } },
  });
  expect([againB.response.status, againB.data?.id]).toEqual([200, second.data?.id]);
});

test('20 concurrent duplicates create ONE order and publish ONE order_created', async () => {
  const k = key();
  const body = orderRequest();
  // Raw fetch on fresh connections: the requests really race on the server.
  const responses = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const res = await fetch(`${ORDER_API}/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': k,
          connection: 'close',
          ...(await bearer(body.customer.id)),
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, order: (await res.json()) as { id: string } };
    }),
  );
  const statuses = responses.map((r) => r.status).sort();
  expect(statuses).toEqual([200, ...Array<number>(18).fill(200), 201].sort());
  const ids = new Set(responses.map((r) => r.order.id));
  expect(ids.size).toBe(1);
  const [orderId] = [...ids] as [string];
  expect(await ordersOf(body.customer.id)).toBe(1);
  const outbox = await orderDb<{ n: number }>(
    `SELECT count(*)::int AS n FROM outbox WHERE key = $1 AND topic = 'order_created'`,
    [orderId],
  );
  expect(outbox[0]?.n).toBe(1);
  const published = await readSagaMessages(new Set([orderId]), {
    since,
    expected: 1,
    topics: ['order_created'],
    settleMs: 2000,
  });
  expect(published).toHaveLength(1);
});
