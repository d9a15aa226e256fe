import type { OrderExpired } from '@orderflow/contracts';
import { decideRelease, type RecordedReservation } from './decide';

const expired: OrderExpired = {
  eventId: 'e-9',
  occurredAt: new Date('2026-12-01T12:05:00Z'),
  orderId: 'o-1',
  reason: 'SAGA_DEADLINE_EXCEEDED',
  statusAtExpiry: 'PAID',
  deadlineAt: new Date('2026-12-01T12:05:00Z'),
  amountMinor: 999,
  currency: 'EUR',
  customer: { id: 'c-1', email: 'ada@example.com', name: null },
};
const reservation = (status: RecordedReservation['status']): RecordedReservation => ({
  id: 'r-1',
  status,
  lines: [
    { sku: 'SKU-2', quantity: 1 },
    { sku: 'SKU-1', quantity: 3 },
  ],
});

test('a RESERVED order gives back exactly what it reserved, in SKU order', () => {
  expect(decideRelease(expired, reservation('RESERVED'))).toEqual({
    kind: 'release',
    reservationId: 'r-1',
    lines: [
      { sku: 'SKU-1', quantity: 3 },
      { sku: 'SKU-2', quantity: 1 },
    ],
  });
});

test('an order not reserved yet is blocked, so a late payment_successful reserves nothing', () => {
  expect(decideRelease(expired, undefined)).toEqual({ kind: 'block', orderId: 'o-1' });
});

test.each(['OUT_OF_STOCK', 'RELEASED', 'EXPIRED'] as const)('%s: nothing to release', (status) => {
  expect(decideRelease(expired, reservation(status)).kind).toBe('none');
});
