import {
  decide,
  isCompleted,
  sagaCompletion,
  SAGA_OUTCOMES,
  TERMINAL_STATUSES,
  type Charge,
  type OrderRecord,
  type OrderStatus,
  type SagaFact,
  type SagaOutcome,
  type Verdict,
} from './decide';

const P = '0190a000-0000-7000-8000-000000000001';
const OTHER = '0190a000-0000-7000-8000-0000000000ff';
const order = (status: OrderStatus = 'PENDING', more: Partial<OrderRecord> = {}): OrderRecord => ({
  status,
  notified: false,
  amountMinor: '3998',
  currency: 'EUR',
  paymentId: status === 'PENDING' || status === 'PAYMENT_FAILED' ? null : P,
  ...more,
});
const charge: Charge = { paymentId: P, amountMinor: 3998, currency: 'EUR' };
const paid = { kind: 'payment_successful', ...charge } as const;
const declined = { kind: 'payment_failed', ...charge } as const;
const reserved = { kind: 'inventory_updated', outcome: 'RESERVED', ...charge } as const;
const outOfStock = { kind: 'inventory_updated', outcome: 'OUT_OF_STOCK', ...charge } as const;
const refunded = { kind: 'payment_refunded', reason: 'OUT_OF_STOCK', ...charge } as const;
const expiryRefund = { kind: 'payment_refunded', reason: 'ORDER_EXPIRED', ...charge } as const;
const notified = (
  outcome: 'ORDER_CONFIRMED' | 'PAYMENT_FAILED' | 'ORDER_CANCELLED' | 'ORDER_EXPIRED' | 'UNKNOWN',
) => ({ kind: 'notification_sent', outcome }) as const;

/**
 * What the tracker does with a sequence of events, as its handler does: apply, defer (and decide the
 * deferred ones again whenever the order changes), or refuse. Returns the end state, the timeline (the
 * facts applied, in the order they were), the refusals and the saga completions the transitions made.
 */
function run(
  facts: readonly SagaFact[],
  from: OrderRecord = order(),
): {
  state: OrderRecord;
  timeline: SagaFact[];
  refused: string[];
  deferred: SagaFact[];
  completions: SagaOutcome[];
} {
  let state = from;
  const timeline: SagaFact[] = [];
  const refused: string[] = [];
  const completions: SagaOutcome[] = [];
  let deferred: SagaFact[] = [];
  const take = (fact: SagaFact, verdict: Verdict): boolean => {
    if (verdict.verdict === 'refuse') refused.push(verdict.reason);
    if (verdict.verdict !== 'apply') return false;
    const outcome = sagaCompletion(state, verdict.record);
    if (outcome !== undefined) completions.push(outcome);
    state = verdict.record;
    timeline.push(fact);
    return verdict.changed;
  };
  for (const fact of facts) {
    const verdict = decide(state, fact);
    if (verdict.verdict === 'defer') {
      deferred.push(fact);
      continue;
    }
    if (!take(fact, verdict)) continue;
    for (let progress = true; progress;) {
      progress = false;
      for (const d of [...deferred]) {
        const v = decide(state, d);
        if (v.verdict === 'defer') continue;
        deferred = deferred.filter((x) => x !== d);
        if (take(d, v)) progress = true;
      }
    }
  }
  return { state, timeline, refused, deferred, completions };
}

// Every order of the journeys, delivered in every possible order: the end state must not depend on it.
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const refusal = (v: Verdict): string => (v.verdict === 'refuse' ? v.reason : `not refused: ${v.verdict}`);

describe('consistent events, in the saga order', () => {
  it('walks the happy path PENDING → PAID (payment recorded) → CONFIRMED → notified', () => {
    const d1 = decide(order(), paid);
    expect(d1).toEqual({ verdict: 'apply', record: order('PAID'), changed: true });
    const d2 = decide(order('PAID'), reserved);
    expect(d2).toEqual({ verdict: 'apply', record: order('CONFIRMED'), changed: true });
    const d3 = decide(order('CONFIRMED'), notified('ORDER_CONFIRMED'));
    expect(d3).toMatchObject({ verdict: 'apply', record: { status: 'CONFIRMED', notified: true } });
    expect(isCompleted(order('CONFIRMED', { notified: true }))).toBe(true);
  });

  it.each<[string, SagaFact[], OrderStatus]>([
    ['confirmed', [paid, reserved, notified('ORDER_CONFIRMED')], 'CONFIRMED'],
    ['payment failed', [declined, notified('PAYMENT_FAILED')], 'PAYMENT_FAILED'],
    ['cancelled and refunded', [paid, outOfStock, refunded, notified('ORDER_CANCELLED')], 'CANCELLED'],
  ])(
    'ends %s and notified whatever order the topics deliver in; nothing refused or left deferred',
    (_name, facts, final) => {
      for (const delivery of permutations(facts)) {
        const { state, timeline, refused, deferred } = run(delivery);
        expect({ status: state.status, notified: state.notified }).toEqual({ status: final, notified: true });
        expect(refused).toEqual([]);
        expect(deferred).toEqual([]);
        expect(timeline).toHaveLength(facts.length);
      }
    },
  );

  it('defers a reservation that came before its payment (another topic), and applies it once the payment is recorded', () => {
    expect(decide(order(), reserved)).toEqual({
      verdict: 'defer',
      waitingFor: `payment_successful of payment ${P}`,
    });
    expect(decide(order(), notified('ORDER_CONFIRMED')).verdict).toBe('defer');
    expect(decide(order('PAID'), notified('ORDER_CONFIRMED')).verdict).toBe('defer');
    expect(decide(order(), refunded).verdict).toBe('defer');
    expect(decide(order(), notified('PAYMENT_FAILED')).verdict).toBe('defer');
    expect(decide(order('PAID'), notified('ORDER_CANCELLED')).verdict).toBe('defer');
    const { state, timeline } = run([reserved, paid]);
    expect(state.status).toBe('CONFIRMED');
    expect(timeline).toEqual([paid, reserved]);
  });

  it('never regresses: a repeated or late fact changes nothing', () => {
    expect(decide(order('CONFIRMED', { notified: true }), paid)).toEqual({
      verdict: 'apply',
      record: order('CONFIRMED', { notified: true }),
      changed: false,
    });
    expect(decide(order('PAID'), paid)).toMatchObject({ verdict: 'apply', changed: false });
    expect(decide(order('CANCELLED'), outOfStock)).toMatchObject({ verdict: 'apply', changed: false });
  });

  it('records an unknown outcome without moving the status', () => {
    expect(decide(order('PAID'), { ...reserved, outcome: 'UNKNOWN' })).toMatchObject({
      verdict: 'apply',
      changed: false,
    });
    expect(decide(order('PAID'), notified('UNKNOWN'))).toMatchObject({
      verdict: 'apply',
      record: { status: 'PAID', notified: true },
    });
  });

  it('is not completed until the customer was told about a terminal status', () => {
    expect(isCompleted({ status: 'CONFIRMED', notified: false })).toBe(false);
    expect(isCompleted({ status: 'PAID', notified: true })).toBe(false);
  });
});

describe('events the order’s records contradict are refused with the reason', () => {
  it.each<[string, OrderRecord, SagaFact, RegExp]>([
    [
      'payment_successful of another amount',
      order(),
      { ...paid, amountMinor: 1 },
      /names 1 EUR .* but the order is for 3998 EUR/,
    ],
    [
      'payment_successful of another currency',
      order(),
      { ...paid, currency: 'USD' },
      /names 3998 USD .* for 3998 EUR/,
    ],
    [
      'a second payment_successful (another payment)',
      order('PAID'),
      { ...paid, paymentId: OTHER },
      /already paid by payment/,
    ],
    ['payment_successful for a declined order', order('PAYMENT_FAILED'), paid, /declined/],
    ['payment_failed of another amount', order(), { ...declined, amountMinor: 5 }, /names 5 EUR/],
    ['payment_failed for a paid order', order('PAID'), declined, /paid by payment/],
    ['RESERVED for a declined order', order('PAYMENT_FAILED'), reserved, /payment was declined/],
    ['RESERVED of another amount', order('PAID'), { ...reserved, amountMinor: 1 }, /names 1 EUR/],
    [
      'RESERVED naming another payment',
      order('PAID'),
      { ...reserved, paymentId: OTHER },
      /of payment .*ff, but the order was paid by payment/,
    ],
    ['RESERVED for a cancelled (out-of-stock) order', order('CANCELLED'), reserved, /already CANCELLED/],
    ['OUT_OF_STOCK for a confirmed order', order('CONFIRMED'), outOfStock, /already CONFIRMED/],
    ['OUT_OF_STOCK for a declined order', order('PAYMENT_FAILED'), outOfStock, /declined/],
    ['an out-of-stock refund for a confirmed order', order('CONFIRMED'), refunded, /already CONFIRMED/],
    ['a refund for a declined order', order('PAYMENT_FAILED'), refunded, /declined/],
    ['a refund of another payment', order('PAID'), { ...refunded, paymentId: OTHER }, /paid by payment/],
    ['an expiry refund for an order that did not expire', order('PAID'), expiryRefund, /not EXPIRED/],
    [
      '"confirmed" for a declined order',
      order('PAYMENT_FAILED'),
      notified('ORDER_CONFIRMED'),
      /PAYMENT_FAILED/,
    ],
    ['"confirmed" for a cancelled order', order('CANCELLED'), notified('ORDER_CONFIRMED'), /CANCELLED/],
    ['"payment failed" for a paid order', order('PAID'), notified('PAYMENT_FAILED'), /PAID/],
    ['"payment failed" for a confirmed order', order('CONFIRMED'), notified('PAYMENT_FAILED'), /CONFIRMED/],
    ['"cancelled" for a confirmed order', order('CONFIRMED'), notified('ORDER_CANCELLED'), /CONFIRMED/],
    [
      '"cancelled" for a declined order',
      order('PAYMENT_FAILED'),
      notified('ORDER_CANCELLED'),
      /PAYMENT_FAILED/,
    ],
    [
      '"expired" for an order that did not expire',
      order('PENDING'),
      notified('ORDER_EXPIRED'),
      /not EXPIRED/,
    ],
  ])('%s', (_name, state, fact, reason) => {
    expect(refusal(decide(state, fact))).toMatch(reason);
  });

  it('the issue’s case: a forged RESERVED for a declined order leaves it PAYMENT_FAILED, out of the timeline', () => {
    const { state, timeline, refused } = run([declined, reserved, notified('PAYMENT_FAILED')]);
    expect(state).toMatchObject({ status: 'PAYMENT_FAILED', notified: true });
    expect(timeline).toEqual([declined, notified('PAYMENT_FAILED')]);
    expect(refused).toEqual([expect.stringMatching(/RESERVED, but the order's payment was declined/)]);
  });

  it('a forged RESERVED that came first is refused once the real payment names another id', () => {
    const forged = { ...reserved, paymentId: OTHER };
    const { state, timeline, refused } = run([forged, paid]);
    expect(state.status).toBe('PAID');
    expect(timeline).toEqual([paid]);
    expect(refused).toEqual([expect.stringMatching(/paid by payment/)]);
  });

  it('a reservation that came first is refused once the order is declined instead', () => {
    const { state, timeline, refused } = run([reserved, declined]);
    expect(state.status).toBe('PAYMENT_FAILED');
    expect(timeline).toEqual([declined]);
    expect(refused).toHaveLength(1);
  });

  it('a reservation without any payment stays deferred: never in the status or the timeline', () => {
    const { state, timeline, deferred } = run([reserved, notified('ORDER_CONFIRMED')]);
    expect(state.status).toBe('PENDING');
    expect(timeline).toEqual([]);
    expect(deferred).toEqual([reserved, notified('ORDER_CONFIRMED')]);
  });
});

describe('an expired order (ended by the deadline sweeper)', () => {
  const expired = order('EXPIRED');

  it('is terminal: late consistent facts of the saga it cut short are recorded but never move it', () => {
    for (const fact of [paid, reserved, outOfStock, refunded, notified('ORDER_CANCELLED')]) {
      const v = decide(expired, fact);
      expect(v).toMatchObject({ verdict: 'apply', record: { status: 'EXPIRED' } });
    }
    expect(decide(expired, paid)).toMatchObject({ verdict: 'apply', changed: false });
  });

  it('takes its own refund and expiry notice, whatever order they arrive in', () => {
    for (const delivery of permutations<SagaFact>([paid, expiryRefund, notified('ORDER_EXPIRED')])) {
      const { state, refused } = run(delivery, order('EXPIRED', { paymentId: null }));
      expect({ status: state.status, notified: state.notified }).toEqual({
        status: 'EXPIRED',
        notified: true,
      });
      expect(refused).toEqual([]);
    }
  });

  it('records a payment captured after it expired (payment refunds it)', () => {
    expect(decide(order('EXPIRED', { paymentId: null }), paid)).toMatchObject({
      verdict: 'apply',
      record: { status: 'EXPIRED', paymentId: P },
    });
  });

  it('is not completed by an "order confirmed" notice that raced the deadline (the expiry notice is still due)', () => {
    expect(decide(expired, notified('ORDER_CONFIRMED'))).toMatchObject({
      verdict: 'apply',
      record: { status: 'EXPIRED', notified: false },
      changed: false,
    });
    expect(decide(expired, notified('ORDER_CANCELLED'))).toMatchObject({ record: { notified: true } });
  });

  it('still refuses what contradicts its records', () => {
    expect(refusal(decide(expired, { ...reserved, paymentId: OTHER }))).toMatch(/paid by payment/);
    expect(refusal(decide(expired, { ...paid, amountMinor: 1 }))).toMatch(/names 1 EUR/);
    expect(refusal(decide(expired, declined))).toMatch(/paid by payment/);
  });
});

describe('the transition that completes the saga (what the saga metrics count)', () => {
  it.each<[string, SagaFact[], OrderRecord, SagaOutcome]>([
    ['confirmed', [paid, reserved, notified('ORDER_CONFIRMED')], order(), 'confirmed'],
    ['payment failed', [declined, notified('PAYMENT_FAILED')], order(), 'payment_failed'],
    ['cancelled', [paid, outOfStock, refunded, notified('ORDER_CANCELLED')], order(), 'cancelled'],
    [
      'expired',
      [paid, expiryRefund, notified('ORDER_EXPIRED')],
      order('EXPIRED', { paymentId: null }),
      'expired',
    ],
  ])(
    '%s: exactly one transition completes it, in every delivery order, with every event delivered twice',
    (_name, facts, from, outcome) => {
      for (const delivery of permutations(facts)) {
        expect(run([...delivery, ...delivery], from).completions).toEqual([outcome]);
        expect(run([...delivery, ...[...delivery].reverse()], from).completions).toEqual([outcome]);
      }
    },
  );

  it('is the transition to "final and told", whichever came last', () => {
    expect(sagaCompletion(order('CONFIRMED'), order('CONFIRMED', { notified: true }))).toBe('confirmed');
    // Told first (an UNKNOWN notice), final after: the final status completes it.
    expect(sagaCompletion(order('PAID', { notified: true }), order('CANCELLED', { notified: true }))).toBe(
      'cancelled',
    );
    // The sweeper expiring an order whose customer was already told.
    expect(sagaCompletion({ status: 'PENDING', notified: true }, { status: 'EXPIRED', notified: true })).toBe(
      'expired',
    );
  });

  it('is no transition that leaves it unfinished or starts from a completed order', () => {
    expect(sagaCompletion(order(), order('PAID'))).toBeUndefined();
    expect(sagaCompletion(order('PAID'), order('CONFIRMED'))).toBeUndefined();
    expect(sagaCompletion(order(), order('PAID', { notified: true }))).toBeUndefined();
    expect(
      sagaCompletion({ status: 'PENDING', notified: false }, { status: 'EXPIRED', notified: false }),
    ).toBe(undefined);
    const done = order('CONFIRMED', { notified: true });
    expect(sagaCompletion(done, done)).toBeUndefined();
    // A late "order confirmed" notice for an expired order tells nobody anything new: not completed.
    expect(run([notified('ORDER_CONFIRMED')], order('EXPIRED')).completions).toEqual([]);
  });

  it('labels each terminal status with its own outcome', () => {
    const outcomes = TERMINAL_STATUSES.map((status) =>
      sagaCompletion({ status, notified: false }, { status, notified: true }),
    );
    expect([...outcomes].sort()).toEqual([...SAGA_OUTCOMES].sort());
  });
});
