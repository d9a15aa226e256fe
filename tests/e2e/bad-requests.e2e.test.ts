// Malformed, invalid, oversized and mistyped POST /orders requests on the real order service: each is a
// 4xx application/problem+json naming the problem (and the field, where there is one), and none leaves
// an order row or an outbox event behind, nor a message on order_created.
import { randomUUID } from 'node:crypto';
import { bearer } from '../support/auth';
import { ORDER_API, decodeSagaMessage, leftBehind, orderRequest, readSagaMessages } from './support/saga';

const since = Date.now() - 1000;
const markers: string[] = [];

function marker(): string {
  const m = `e2e-rejected-${randomUUID()}`;
  markers.push(m);
  return m;
}

async function post(body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  // Signed in: these requests are refused for what they carry, not for missing credentials.
  const res = await fetch(`${ORDER_API}/orders`, {
    method: 'POST',
    headers: { ...headers, ...(await bearer('e2e-bad-requests')) },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    problem: JSON.parse(text) as {
      status: number;
      code: string;
      detail?: string;
      errors?: { path: string; message: string }[];
    },
  };
}

test('fields that break the OpenAPI schema → 400 naming each field', async () => {
  const m = marker();
  const body = {
    ...orderRequest({}, m),
    currency: 'euro',
    lines: [
      { sku: 'SKU-1', quantity: 0, unitPriceMinor: 5 },
      { sku: 'SKU-2', unitPriceMinor: 5 },
    ],
    colour: 'red',
  };
  const res = await post(JSON.stringify(body));
  expect(res.status).toBe(400);
  expect(res.contentType).toMatch(/^application\/problem\+json/);
  expect(res.problem.code).toBe('VALIDATION_FAILED');
  expect(res.problem.errors?.map((e) => e.path).sort()).toEqual([
    '/colour',
    '/currency',
    '/lines/0/quantity',
    '/lines/1/quantity',
  ]);
  expect(res.problem.detail).toContain('/lines/0/quantity must be >= 1');
  expect(await leftBehind(m)).toEqual({ orders: 0, outbox: 0 });
});

test('a missing customer email and an empty order → 400 naming them', async () => {
  const m = marker();
  const res = await post(JSON.stringify({ customer: { id: m }, lines: [], currency: 'EUR' }));
  expect(res.status).toBe(400);
  expect(res.problem.errors).toEqual(
    expect.arrayContaining([
      { path: '/customer/email', message: 'is required' },
      { path: '/lines', message: 'must NOT have fewer than 1 items' },
    ]),
  );
  expect(await leftBehind(m)).toEqual({ orders: 0, outbox: 0 });
});

test('malformed JSON → 400 problem+json', async () => {
  const m = marker();
  const res = await post(`{"customer":{"id":"${m}","email":"a@example.com"},"lines":[`);
  expect(res.status).toBe(400);
  expect(res.contentType).toMatch(/^application\/problem\+json/);
  expect(res.problem.code).toBe('MALFORMED_JSON');
  expect(await leftBehind(m)).toEqual({ orders: 0, outbox: 0 });
});

test('a body above the limit → 413 problem+json', async () => {
  const m = marker();
  const res = await post(JSON.stringify({ ...orderRequest({}, m), paymentToken: 'x'.repeat(200_000) }));
  expect(res.status).toBe(413);
  expect(res.contentType).toMatch(/^application\/problem\+json/);
  expect(res.problem.code).toBe('PAYLOAD_TOO_LARGE');
  expect(await leftBehind(m)).toEqual({ orders: 0, outbox: 0 });
});

test('a body that is not JSON → 415 problem+json naming the content type', async () => {
  const m = marker();
  const res = await post(JSON.stringify(orderRequest({}, m)), { 'content-type': 'text/plain' });
  expect(res.status).toBe(415);
  expect(res.contentType).toMatch(/^application\/problem\+json/);
  expect(res.problem.detail).toContain('text/plain');
  expect(await leftBehind(m)).toEqual({ orders: 0, outbox: 0 });
});

test('an Idempotency-Key longer than the document allows → 400 naming the header', async () => {
  const m = marker();
  const res = await post(JSON.stringify(orderRequest({}, m)), {
    'content-type': 'application/json',
    'idempotency-key': 'k'.repeat(256),
  });
  expect(res.status).toBe(400);
  expect(res.problem.errors).toEqual([
    { path: 'header.Idempotency-Key', message: 'must NOT have more than 255 characters' },
  ]);
  expect(await leftBehind(m)).toEqual({ orders: 0, outbox: 0 });
});

test('GET /orders/{id} with a malformed id → 400 naming it; an unknown id → 404', async () => {
  const bad = await fetch(`${ORDER_API}/orders/not-a-uuid`, { headers: await bearer('e2e-bad-requests') });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { errors: unknown[] }).errors).toEqual([
    { path: 'path.orderId', message: 'must be a UUID' },
  ]);
  const missing = await fetch(`${ORDER_API}/orders/${randomUUID()}`, {
    headers: await bearer('e2e-bad-requests'),
  });
  expect(missing.status).toBe(404);
  expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
});

test('none of the rejected requests published anything on order_created', async () => {
  const all = await readSagaMessages('all', {
    since,
    expected: 0,
    topics: ['order_created'],
    settleMs: 2000,
    timeoutMs: 5000,
  });
  const customers = await Promise.all(
    all.map(async (m) => ((await decodeSagaMessage(m)).event.customer as { id: string }).id),
  );
  expect(customers.filter((c) => markers.includes(c))).toEqual([]);
  expect(markers).toHaveLength(6);
});
