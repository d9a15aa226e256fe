import type { InventoryUpdated, OrderExpired } from '@orderflow/contracts';
import { decideExpiryRefund, decideRefund, type PaymentOfOrder } from './decide';

const env = { newId: () => 'new-id', now: new Date('2026-11-25T12:00:00Z') };
const update = (status: InventoryUpdated['status']): InventoryUpdated => ({
  eventId: 'e-2',
  occurredAt: new Date('2026-11-25T11:59:59Z'),
  orderId: 'o-1',
  status,
  reservationId: null,
  shortLines: status === 'OUT_OF_STOCK' ? [{ sku: 'SKU-1', requested: 3, available: 1 }] : [],
  paymentId: 'p-1',
  amountMinor: 999,
  currency: 'EUR',
  customer: { id: 'c-1', email: 'ada@example.com', name: 'Ada' },
});
const paid: PaymentOfOrder = { id: 'p-1', status: 'SUCCEEDED', amountMinor: 1500, currency: 'EUR' };

test('an OUT_OF_STOCK order that was paid is refunded in full (the amount charged, not the amount in the event)', () => {
  expect(decideRefund(update('OUT_OF_STOCK'), { payment: paid, refunded: false }, env)).toEqual([
    {
      eventId: 'new-id',
      occurredAt: env.now,
      orderId: 'o-1',
      refundId: 'new-id',
      paymentId: 'p-1',
      amountMinor: 1500,
      currency: 'EUR',
      reason: 'OUT_OF_STOCK',
      customer: { id: 'c-1', email: 'ada@example.com', name: 'Ada' },
    },
  ]);
});

test('RESERVED (or an unknown status) refunds nothing', () => {
  expect(decideRefund(update('RESERVED'), { payment: paid, refunded: false }, env)).toEqual([]);
  expect(decideRefund(update('UNKNOWN'), { payment: paid, refunded: false }, env)).toEqual([]);
});

test('an order refunded before, or whose payment did not succeed, is not refunded again', () => {
  expect(
    decideRefund(update('OUT_OF_STOCK'), { payment: { ...paid, status: 'REFUNDED' }, refunded: true }, env),
  ).toEqual([]);
  expect(
    decideRefund(update('OUT_OF_STOCK'), { payment: { ...paid, status: 'FAILED' }, refunded: false }, env),
  ).toEqual([]);
});

test('an OUT_OF_STOCK order this service never charged is a permanent error naming the order', () => {
  expect(() => decideRefund(update('OUT_OF_STOCK'), { payment: undefined, refunded: false }, env)).toThrow(
    'inventory could not fulfil order o-1, but this service has no payment for it',
  );
});

describe('an expired order', () => {
  const expired: OrderExpired = {
    eventId: 'e-3',
    occurredAt: new Date('2026-11-25T12:05:00Z'),
    orderId: 'o-1',
    reason: 'SAGA_DEADLINE_EXCEEDED',
    statusAtExpiry: 'PAID',
    deadlineAt: new Date('2026-11-25T12:05:00Z'),
    amountMinor: 999,
    currency: 'EUR',
    customer: { id: 'c-1', email: 'ada@example.com', name: 'Ada' },
  };

  test('a captured charge is refunded in full, reason ORDER_EXPIRED', () => {
    expect(decideExpiryRefund(expired, { payment: paid, refunded: false }, env)).toEqual([
      {
        eventId: 'new-id',
        occurredAt: env.now,
        orderId: 'o-1',
        refundId: 'new-id',
        paymentId: 'p-1',
        amountMinor: 1500,
        currency: 'EUR',
        reason: 'ORDER_EXPIRED',
        customer: expired.customer,
      },
    ]);
  });

  test('nothing charged yet, a declined charge, or one refunded before (out of stock) refunds nothing', () => {
    expect(decideExpiryRefund(expired, { payment: undefined, refunded: false }, env)).toEqual([]);
    expect(
      decideExpiryRefund(expired, { payment: { ...paid, status: 'FAILED' }, refunded: false }, env),
    ).toEqual([]);
    expect(
      decideExpiryRefund(expired, { payment: { ...paid, status: 'REFUNDED' }, refunded: true }, env),
    ).toEqual([]);
  });
});
