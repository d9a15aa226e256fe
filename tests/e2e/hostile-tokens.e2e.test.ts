// The issue-7 report: one anonymous POST with "paymentToken": "constructor" stopped every payment (the
// simulator read an inherited property, the write that followed threw, and the consumer retried it
// forever while no other partition was fetched). Here every Object.prototype property name is sent as
// a token, with ordinary orders placed after them: each order ends in exactly one final state and is
// notified within a minute, with one payment each (a dead-lettered or stuck step would leave its order
// unfinished until its five-minute deadline).
import { DECLINING_TOKEN, orderRequest, placeOrder } from './support/saga';
import { closeDbs, dbQuery, waitAllFinal } from '../faults/support/fault-kit';

jest.setTimeout(120_000);

const HOSTILE = Object.getOwnPropertyNames(Object.prototype);

afterAll(() => closeDbs());

test('every Object.prototype name as a payment token: each of those orders and the ordinary ones after them ends final, once', async () => {
  expect(HOSTILE).toEqual(expect.arrayContaining(['constructor', '__proto__', 'toString', 'hasOwnProperty']));
  const hostile = [];
  for (const token of HOSTILE) hostile.push(await placeOrder(orderRequest({ paymentToken: token })));
  const ordinary = await Promise.all([
    ...Array.from({ length: 5 }, () => placeOrder(orderRequest())),
    placeOrder(orderRequest({ paymentToken: DECLINING_TOKEN })),
  ]);
  const rows = await waitAllFinal(
    [...hostile, ...ordinary].map((o) => o.id),
    60_000,
  );
  const status = new Map(rows.map((r) => [r.id, r.status]));
  // A token the simulator does not know is an ordinary card: approved, so the order is confirmed.
  for (const o of hostile) expect([o.id, status.get(o.id)]).toEqual([o.id, 'CONFIRMED']);
  expect(ordinary.map((o) => status.get(o.id))).toEqual([
    'CONFIRMED',
    'CONFIRMED',
    'CONFIRMED',
    'CONFIRMED',
    'CONFIRMED',
    'PAYMENT_FAILED',
  ]);
  // One payment per order, none twice.
  const payments = await dbQuery<{ order_id: string; n: number }>(
    'payment',
    'SELECT order_id::text, count(*)::int AS n FROM payments WHERE order_id = ANY($1::uuid[]) GROUP BY order_id',
    [[...hostile, ...ordinary].map((o) => o.id)],
  );
  expect(payments).toHaveLength(hostile.length + ordinary.length);
  expect(payments.every((p) => p.n === 1)).toBe(true);
});
