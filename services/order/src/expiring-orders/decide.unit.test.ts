import { decideExpiry, type UnfinishedOrder } from './decide';

const placed = new Date('2026-12-01T12:00:00.000Z');
const order = (status: UnfinishedOrder['status']): UnfinishedOrder => ({
  id: 'o-1',
  status,
  createdAt: placed,
  amountMinor: 5997,
  currency: 'EUR',
  customer: { id: 'c-1', email: 'ada@example.com', name: 'Ada' },
});
const at = (msAfterPlaced: number) => ({
  deadlineMs: 300_000,
  now: new Date(placed.getTime() + msAfterPlaced),
  newId: () => 'new-id',
});

test('a PAID order past its deadline expires: order_expired with the reason, the stage, the deadline and whom to tell', () => {
  const expiry = decideExpiry(order('PAID'), at(300_000.4));
  expect(expiry?.event).toEqual({
    eventId: 'new-id',
    occurredAt: new Date(placed.getTime() + 300_000),
    orderId: 'o-1',
    reason: 'SAGA_DEADLINE_EXCEEDED',
    statusAtExpiry: 'PAID',
    deadlineAt: new Date(placed.getTime() + 300_000),
    amountMinor: 5997,
    currency: 'EUR',
    customer: { id: 'c-1', email: 'ada@example.com', name: 'Ada' },
  });
  expect(expiry?.detail).toBe(
    'not final 300 s after it was placed (still PAID): SAGA_DEADLINE_EXCEEDED; the captured payment is refunded and any reservation released',
  );
});

test('a PENDING order past its deadline expires at stage PENDING', () => {
  const expiry = decideExpiry(order('PENDING'), { ...at(400_000), deadlineMs: 2_500 });
  expect(expiry?.event.statusAtExpiry).toBe('PENDING');
  expect(expiry?.detail).toMatch(/^not final 2.5 s after it was placed \(still PENDING\)/);
});

test('an order still within its deadline does not expire', () => {
  expect(decideExpiry(order('PAID'), at(299_999))).toBeUndefined();
});

test.each(['CONFIRMED', 'PAYMENT_FAILED', 'CANCELLED', 'EXPIRED'] as const)(
  'a final (%s) order never expires, however late',
  (status) => {
    expect(decideExpiry(order(status), at(10 * 300_000))).toBeUndefined();
  },
);
