import { decide, isCompleted, type OrderState, type OrderStatus, type SagaFact } from './decide';

const pending: OrderState = { status: 'PENDING', notified: false };
const paid = { kind: 'payment_successful' } as const;
const declined = { kind: 'payment_failed' } as const;
const reserved = { kind: 'inventory_updated', outcome: 'RESERVED' } as const;
const outOfStock = { kind: 'inventory_updated', outcome: 'OUT_OF_STOCK' } as const;
const refunded = { kind: 'payment_refunded' } as const;
const notified = (
  outcome: 'ORDER_CONFIRMED' | 'PAYMENT_FAILED' | 'ORDER_CANCELLED' | 'ORDER_EXPIRED' | 'UNKNOWN',
) => ({ kind: 'notification_sent', outcome }) as const;

function run(facts: readonly SagaFact[], from: OrderState = pending): OrderState {
  return facts.reduce<OrderState>((s, f) => {
    const d = decide(s, f);
    return { status: d.status, notified: d.notified };
  }, from);
}

// Every order of the three journeys, delivered in every possible order: the end state must not depend on it.
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('order state machine', () => {
  it('walks the happy path PENDING → PAID → CONFIRMED → notified', () => {
    const d1 = decide(pending, paid);
    expect(d1).toEqual({ status: 'PAID', notified: false, changed: true });
    const d2 = decide({ status: 'PAID', notified: false }, reserved);
    expect(d2).toEqual({ status: 'CONFIRMED', notified: false, changed: true });
    const d3 = decide({ status: 'CONFIRMED', notified: false }, notified('ORDER_CONFIRMED'));
    expect(d3).toEqual({ status: 'CONFIRMED', notified: true, changed: true });
    expect(isCompleted({ status: d3.status, notified: d3.notified })).toBe(true);
  });

  it.each<[string, SagaFact[], OrderStatus]>([
    ['confirmed', [paid, reserved, notified('ORDER_CONFIRMED')], 'CONFIRMED'],
    ['payment failed', [declined, notified('PAYMENT_FAILED')], 'PAYMENT_FAILED'],
    ['cancelled and refunded', [paid, outOfStock, refunded, notified('ORDER_CANCELLED')], 'CANCELLED'],
  ])('ends %s and notified whatever order the topics deliver in', (_name, facts, final) => {
    for (const order of permutations(facts)) {
      expect(run(order)).toEqual({ status: final, notified: true });
    }
  });

  it('never regresses: a late payment_successful leaves a confirmed order confirmed', () => {
    const d = decide({ status: 'CONFIRMED', notified: true }, paid);
    expect(d).toEqual({ status: 'CONFIRMED', notified: true, changed: false });
  });

  it('keeps the first terminal status and reports a contradicting fact as a conflict', () => {
    const d = decide({ status: 'PAYMENT_FAILED', notified: false }, reserved);
    expect(d.status).toBe('PAYMENT_FAILED');
    expect(d.changed).toBe(false);
    expect(d.conflict).toMatch(/already ended PAYMENT_FAILED/);
  });

  it('records a fact with an unknown outcome without moving the status', () => {
    expect(
      decide({ status: 'PAID', notified: false }, { kind: 'inventory_updated', outcome: 'UNKNOWN' }),
    ).toEqual({ status: 'PAID', notified: false, changed: false });
    expect(decide({ status: 'PAID', notified: false }, notified('UNKNOWN'))).toEqual({
      status: 'PAID',
      notified: true,
      changed: true,
    });
  });

  it('reports no change for a repeated fact', () => {
    expect(decide({ status: 'PAID', notified: false }, paid).changed).toBe(false);
  });

  it('is not completed until the customer was told about a terminal status', () => {
    expect(isCompleted({ status: 'CONFIRMED', notified: false })).toBe(false);
    expect(isCompleted({ status: 'PAID', notified: true })).toBe(false);
  });
});

describe('an expired order (ended by the deadline sweeper)', () => {
  const expired: OrderState = { status: 'EXPIRED', notified: false };
  const expiryRefund = { kind: 'payment_refunded', reason: 'ORDER_EXPIRED' } as const;

  it('is terminal: late facts of the saga it cut short never move it', () => {
    for (const fact of [paid, declined, reserved, outOfStock, refunded, notified('ORDER_CANCELLED')]) {
      expect(decide(expired, fact).status).toBe('EXPIRED');
    }
    expect(decide(expired, reserved).conflict).toMatch(/already ended EXPIRED/);
    expect(decide(expired, paid)).toEqual({ status: 'EXPIRED', notified: false, changed: false });
  });

  it('takes its own refund and expiry notice without a conflict, whatever order they arrive in', () => {
    for (const order of permutations<SagaFact>([paid, expiryRefund, notified('ORDER_EXPIRED')])) {
      expect(run(order, expired)).toEqual({ status: 'EXPIRED', notified: true });
    }
    expect(decide(expired, expiryRefund).conflict).toBeUndefined();
  });

  it('is not completed by an "order confirmed" notice that raced the deadline (the expiry notice is still due)', () => {
    expect(decide(expired, notified('ORDER_CONFIRMED'))).toMatchObject({
      status: 'EXPIRED',
      notified: false,
      changed: false,
    });
    expect(decide(expired, notified('ORDER_CANCELLED')).notified).toBe(true);
  });

  it('the expiry refund or notice reaching a not-yet-expired order moves it to EXPIRED', () => {
    expect(decide({ status: 'PAID', notified: false }, expiryRefund).status).toBe('EXPIRED');
    expect(decide(pending, notified('ORDER_EXPIRED')).status).toBe('EXPIRED');
  });
});
