import type { OrderCreated } from '@orderflow/contracts';
import { decideCapture } from './decide';

let n = 0;
const env = { limitMinor: 10_000, newId: () => `id-${++n}`, now: new Date('2026-11-25T12:00:00Z') };
const order = (overrides: Partial<OrderCreated> = {}): OrderCreated => ({
  eventId: 'e-1',
  occurredAt: new Date('2026-11-25T11:59:59Z'),
  orderId: 'o-1',
  customer: { id: 'c-1', email: 'ada@example.com', name: null },
  lines: [{ sku: 'SKU-1', quantity: 2, unitPriceMinor: 500 }],
  amountMinor: 1000,
  currency: 'EUR',
  paymentToken: null,
  ...overrides,
});

test('an order without a steering token and within the limit is charged: one PaymentSuccessful carrying amount, customer and lines', () => {
  const [decided, ...rest] = decideCapture(order(), { alreadyCharged: false }, env);
  expect(rest).toEqual([]);
  expect(decided?.type).toBe('PaymentSuccessful');
  expect(decided?.event).toMatchObject({
    orderId: 'o-1',
    amountMinor: 1000,
    currency: 'EUR',
    lines: [{ sku: 'SKU-1', quantity: 2, unitPriceMinor: 500 }],
    customer: { email: 'ada@example.com' },
    occurredAt: env.now,
  });
});

test.each([
  ['tok_decline', 1000, 'DECLINED'],
  ['tok_insufficient', 1000, 'INSUFFICIENT_FUNDS'],
  ['tok_insufficient_funds', 1000, 'INSUFFICIENT_FUNDS'],
  ['tok_limit', 1000, 'LIMIT_EXCEEDED'],
  [null, 10_001, 'LIMIT_EXCEEDED'],
  ['tok_decline', 10_001, 'DECLINED'],
] as const)('token %s and amount %d → PaymentFailed %s', (paymentToken, amountMinor, reason) => {
  const [decided] = decideCapture(order({ paymentToken, amountMinor }), { alreadyCharged: false }, env);
  expect(decided?.type).toBe('PaymentFailed');
  expect(decided?.event).toMatchObject({ reason, amountMinor, message: expect.any(String) as unknown });
});

test('an amount exactly at the limit is charged; any other token is charged', () => {
  expect(decideCapture(order({ amountMinor: 10_000 }), { alreadyCharged: false }, env)[0]?.type).toBe(
    'PaymentSuccessful',
  );
  expect(decideCapture(order({ paymentToken: 'tok_visa' }), { alreadyCharged: false }, env)[0]?.type).toBe(
    'PaymentSuccessful',
  );
});

test('an order charged before is never charged again', () => {
  expect(decideCapture(order(), { alreadyCharged: true }, env)).toEqual([]);
  expect(decideCapture(order({ paymentToken: 'tok_decline' }), { alreadyCharged: true }, env)).toEqual([]);
});

test('a currency that is not ISO-4217 or a negative amount is a permanent error naming the order and the field', () => {
  expect(() => decideCapture(order({ currency: 'euro' }), { alreadyCharged: false }, env)).toThrow(
    'order o-1: currency "euro" is not an ISO-4217 code',
  );
  expect(() => decideCapture(order({ amountMinor: -1 }), { alreadyCharged: false }, env)).toThrow(
    'order o-1: amountMinor -1 is negative',
  );
});

test('an order that expired before it was charged is never charged', () => {
  expect(decideCapture(order(), { alreadyCharged: false, orderExpired: true }, env)).toEqual([]);
});
