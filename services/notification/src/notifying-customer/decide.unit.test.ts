import type { InventoryUpdated, OrderExpired, PaymentFailed, PaymentRefunded } from '@orderflow/contracts';
import {
  contradiction,
  decideNotification,
  formatMoney,
  notificationIdFor,
  outcomeOf,
  type Trigger,
} from './decide';

const customer = { id: 'c-1', email: 'ada@example.com', name: 'Ada' };
const failed: PaymentFailed = {
  eventId: 'e-1',
  occurredAt: new Date(0),
  orderId: 'o-1',
  paymentId: 'p-1',
  reason: 'DECLINED',
  message: null,
  amountMinor: 2500,
  currency: 'EUR',
  customer,
};
const inventory = (status: InventoryUpdated['status']): InventoryUpdated => ({
  eventId: 'e-2',
  occurredAt: new Date(0),
  orderId: 'o-1',
  status,
  reservationId: null,
  shortLines: [],
  paymentId: 'p-1',
  amountMinor: 2500,
  currency: 'EUR',
  customer,
});
const refunded: PaymentRefunded = {
  eventId: 'e-3',
  occurredAt: new Date(0),
  orderId: 'o-1',
  refundId: 'r-1',
  paymentId: 'p-1',
  amountMinor: 5997,
  currency: 'USD',
  reason: 'OUT_OF_STOCK',
  customer: { ...customer, name: null },
};

test.each<[string, Trigger, string | undefined]>([
  ['payment_failed', { type: 'PaymentFailed', event: failed }, 'PAYMENT_FAILED'],
  [
    'inventory_updated RESERVED',
    { type: 'InventoryUpdated', event: inventory('RESERVED') },
    'ORDER_CONFIRMED',
  ],
  [
    'inventory_updated OUT_OF_STOCK (the refund follows)',
    { type: 'InventoryUpdated', event: inventory('OUT_OF_STOCK') },
    undefined,
  ],
  ['inventory_updated UNKNOWN', { type: 'InventoryUpdated', event: inventory('UNKNOWN') }, undefined],
  ['payment_refunded', { type: 'PaymentRefunded', event: refunded }, 'ORDER_CANCELLED'],
])('%s announces %s', (_name, trigger, outcome) => {
  expect(outcomeOf(trigger)).toBe(outcome);
  expect(decideNotification(trigger, { alreadyNotified: false }).map((n) => n.outcome)).toEqual(
    outcome === undefined ? [] : [outcome],
  );
});

test('a notice names the customer, the order, the amount in the currency and the reason', () => {
  const [declined] = decideNotification({ type: 'PaymentFailed', event: failed }, { alreadyNotified: false });
  expect(declined).toMatchObject({
    orderId: 'o-1',
    email: 'ada@example.com',
    causationEventId: 'e-1',
    notificationId: notificationIdFor('o-1', 'PAYMENT_FAILED'),
  });
  expect(declined?.message).toBe(
    'Hello Ada, we could not charge €25.00 for order o-1: your card was declined. Nothing was charged.',
  );
  const [cancelled] = decideNotification(
    { type: 'PaymentRefunded', event: refunded },
    { alreadyNotified: false },
  );
  expect(cancelled?.message).toBe(
    'Hello ada@example.com, we could not fulfil order o-1 because some items are out of stock. It is cancelled and $59.97 has been refunded.',
  );
});

test('a customer already told this outcome is not told again', () => {
  expect(decideNotification({ type: 'PaymentFailed', event: failed }, { alreadyNotified: true })).toEqual([]);
});

test('the notification id is a stable UUID per order and outcome', () => {
  const id = notificationIdFor('o-1', 'ORDER_CONFIRMED');
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(notificationIdFor('o-1', 'ORDER_CONFIRMED')).toBe(id);
  expect(notificationIdFor('o-1', 'ORDER_CANCELLED')).not.toBe(id);
  expect(notificationIdFor('o-2', 'ORDER_CONFIRMED')).not.toBe(id);
});

test('money is shown in the currency’s own decimals', () => {
  expect(formatMoney(5997, 'USD')).toBe('$59.97');
  expect(formatMoney(500, 'JPY')).toBe('¥500');
  expect(formatMoney(12, 'euro')).toBe('12 euro (minor units)');
});

describe('an expired order', () => {
  const expired = (statusAtExpiry: OrderExpired['statusAtExpiry']): Trigger => ({
    type: 'OrderExpired',
    event: {
      eventId: 'e-4',
      occurredAt: new Date(0),
      orderId: 'o-1',
      reason: 'SAGA_DEADLINE_EXCEEDED',
      statusAtExpiry,
      deadlineAt: new Date(0),
      amountMinor: 2500,
      currency: 'EUR',
      customer,
    },
  });

  test('order_expired announces ORDER_EXPIRED once: the charge refunded, nothing held', () => {
    const [notice, ...rest] = decideNotification(expired('PAID'), { alreadyNotified: false, toldBefore: [] });
    expect(rest).toEqual([]);
    expect(notice).toMatchObject({
      notificationId: notificationIdFor('o-1', 'ORDER_EXPIRED'),
      outcome: 'ORDER_EXPIRED',
      email: 'ada@example.com',
      causationEventId: 'e-4',
      subject: 'Order o-1 could not be completed',
      message:
        'Hello Ada, we could not complete order o-1 in time, so it is cancelled. The €25.00 charged for it is refunded in full and no items are held for it.',
    });
    expect(decideNotification(expired('PENDING'), { alreadyNotified: false })[0]?.message).toContain(
      'If €25.00 was charged for it, it is refunded in full',
    );
    expect(decideNotification(expired('PAID'), { alreadyNotified: true })).toEqual([]);
  });

  test('the refund of an expired order announces nothing more', () => {
    expect(outcomeOf({ type: 'PaymentRefunded', event: { ...refunded, reason: 'ORDER_EXPIRED' } })).toBe(
      undefined,
    );
  });

  test('after the expiry notice, no other outcome is announced (a late confirmation, decline or refund)', () => {
    const state = { alreadyNotified: false, toldBefore: ['ORDER_EXPIRED'] };
    expect(decideNotification({ type: 'InventoryUpdated', event: inventory('RESERVED') }, state)).toEqual([]);
    expect(decideNotification({ type: 'PaymentFailed', event: failed }, state)).toEqual([]);
    expect(decideNotification({ type: 'PaymentRefunded', event: refunded }, state)).toEqual([]);
  });

  test('an expiry after "confirmed" is announced (a correction); after "payment failed" or "cancelled" it is not', () => {
    const after = (told: string) =>
      decideNotification(expired('PAID'), { alreadyNotified: false, toldBefore: [told] });
    expect(after('ORDER_CONFIRMED').map((n) => n.outcome)).toEqual(['ORDER_EXPIRED']);
    expect(after('PAYMENT_FAILED')).toEqual([]);
    expect(after('ORDER_CANCELLED')).toEqual([]);
  });
});

describe('contradiction: an order ends payment failed, confirmed, or cancelled, never two of them', () => {
  test.each<[string, string[], RegExp]>([
    ['ORDER_CONFIRMED', ['PAYMENT_FAILED'], /already told PAYMENT_FAILED; ORDER_CONFIRMED contradicts it/],
    ['ORDER_CONFIRMED', ['ORDER_CANCELLED'], /already told ORDER_CANCELLED/],
    ['PAYMENT_FAILED', ['ORDER_CONFIRMED'], /already told ORDER_CONFIRMED/],
    ['ORDER_CANCELLED', ['PAYMENT_FAILED'], /already told PAYMENT_FAILED/],
  ] as const)('%s after %j is refused', (outcome, told, reason) => {
    expect(contradiction(outcome as 'ORDER_CONFIRMED', told)).toMatch(reason);
  });

  test.each<[string, string[]]>([
    ['ORDER_CONFIRMED', []],
    ['ORDER_CONFIRMED', ['ORDER_CONFIRMED']],
    ['ORDER_EXPIRED', ['ORDER_CONFIRMED']],
    ['ORDER_CANCELLED', ['ORDER_EXPIRED']],
  ])('%s after %j is no contradiction', (outcome, told) => {
    expect(contradiction(outcome as 'ORDER_CONFIRMED', told)).toBeUndefined();
  });
});
