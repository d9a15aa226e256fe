// The order's state machine as pure functions: whether a saga event is supported by what the order
// service itself recorded, and what it does to the order's status.
//
// Kafka is not trusted to say only true things (defence in depth next to the broker's ACLs): the tracker
// confirms only what its own records support — a payment of the order's amount and currency that it
// recorded (payment_successful), then a reservation, refund or notice naming that same payment. An event
// that contradicts the records is refused (the handler dead-letters it with the reason): it never moves
// the status and never joins the timeline.
//
// Events of one order arrive on DIFFERENT topics (each keyed by orderId, but Kafka orders only within a
// partition of one topic), so the tracker may see inventory_updated before the payment_successful it
// follows, or notification_sent before the inventory_updated it announces. Such an event is not refused
// but deferred: kept aside (not in the status, not in the timeline) until the event it depends on is
// recorded, then applied — or refused, if what gets recorded instead contradicts it. So the machine is
// still insensitive to delivery order, and a forged event never rides on a real one that comes later: a
// reservation must name the payment the order recorded (a random uuid v7 the forger does not know
// before payment_successful is published).
//
// EXPIRED is the terminal status the order service's own sweeper gives an order not final by its saga
// deadline (see expiring-orders/); late events of the saga it cut short are recorded (when consistent)
// but never move it. The order service makes an order EXPIRED before it publishes order_expired, so an
// expiry refund or notice for an order that is not EXPIRED is never legitimate.

/** An order's status (the same set as the API's OrderStatus and the database enum). */
export type OrderStatus = 'PENDING' | 'PAID' | 'PAYMENT_FAILED' | 'CONFIRMED' | 'CANCELLED' | 'EXPIRED';

/** The statuses an order ends in: exactly one of them, forever. */
export const TERMINAL_STATUSES: readonly OrderStatus[] = [
  'PAYMENT_FAILED',
  'CONFIRMED',
  'CANCELLED',
  'EXPIRED',
];

/** What the order view needs to know about an order's progress. */
export interface OrderState {
  status: OrderStatus;
  /** The customer was told the outcome (notification_sent). */
  notified: boolean;
}

/** The order service's own records of an order: what an event is checked against. */
export interface OrderRecord extends OrderState {
  /** The order's total in minor units (a decimal string: the column is a bigint). */
  amountMinor: string;
  /** ISO-4217. */
  currency: string;
  /** The payment recorded from payment_successful; null until then. */
  paymentId: string | null;
}

/** The charge an event names (payment_successful, payment_failed, inventory_updated, payment_refunded all carry it). */
export interface Charge {
  paymentId: string;
  amountMinor: number;
  currency: string;
}

/** A saga event as the order's state machine sees it (decoded from its topic, reduced to what matters). */
export type SagaFact =
  | ({ kind: 'payment_successful' } & Charge)
  | ({ kind: 'payment_failed' } & Charge)
  | ({ kind: 'inventory_updated'; outcome: 'RESERVED' | 'OUT_OF_STOCK' | 'UNKNOWN' } & Charge)
  | {
      kind: 'notification_sent';
      outcome: 'ORDER_CONFIRMED' | 'PAYMENT_FAILED' | 'ORDER_CANCELLED' | 'ORDER_EXPIRED' | 'UNKNOWN';
    }
  | ({ kind: 'payment_refunded'; reason?: 'OUT_OF_STOCK' | 'ORDER_EXPIRED' | 'UNKNOWN' } & Charge);

/** What to do with an event. */
export type Verdict =
  /** Supported by the records: the order becomes `record` (`changed` when the row must be updated). */
  | { verdict: 'apply'; record: OrderRecord; changed: boolean }
  /** Not supported yet, but may be once an event it depends on, from another topic, is recorded. */
  | { verdict: 'defer'; waitingFor: string }
  /** Contradicts the records: never applied (dead-lettered with `reason`). */
  | { verdict: 'refuse'; reason: string };

const RANK: Readonly<Record<OrderStatus, number>> = {
  PENDING: 0,
  PAID: 1,
  PAYMENT_FAILED: 2,
  CONFIRMED: 2,
  CANCELLED: 2,
  EXPIRED: 2,
};

/** True for PAYMENT_FAILED, CONFIRMED, CANCELLED and EXPIRED. */
export function isTerminal(status: OrderStatus): boolean {
  return RANK[status] === 2;
}

/** The saga is over for the customer: the order ended and they were told. */
export function isCompleted(state: OrderState): boolean {
  return state.notified && isTerminal(state.status);
}

/** How a completed saga ended, as the saga metrics label it: the order's final status in lower case. */
export type SagaOutcome = 'payment_failed' | 'confirmed' | 'cancelled' | 'expired';

/** Every outcome, for metrics that show each one from the start (at zero). */
export const SAGA_OUTCOMES: readonly SagaOutcome[] = ['confirmed', 'cancelled', 'payment_failed', 'expired'];

const OUTCOME: Readonly<Record<OrderStatus, SagaOutcome | undefined>> = {
  PENDING: undefined,
  PAID: undefined,
  PAYMENT_FAILED: 'payment_failed',
  CONFIRMED: 'confirmed',
  CANCELLED: 'cancelled',
  EXPIRED: 'expired',
};

/**
 * The outcome when the order going from `before` to `after` completes its saga (it was not completed and
 * now is), else undefined. A completed order never leaves its final status nor forgets the notice, so of
 * the transitions an order's committed transactions make, exactly one completes it: the one to count.
 */
export function sagaCompletion(before: OrderState, after: OrderState): SagaOutcome | undefined {
  if (isCompleted(before) || !isCompleted(after)) return undefined;
  return OUTCOME[after.status];
}

const sameId = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function apply(order: OrderRecord, next: Partial<OrderRecord>): Verdict {
  const record = { ...order, ...next };
  const changed =
    record.status !== order.status ||
    record.notified !== order.notified ||
    record.paymentId !== order.paymentId;
  return { verdict: 'apply', record, changed };
}

const refuse = (reason: string): Verdict => ({ verdict: 'refuse', reason });
const defer = (waitingFor: string): Verdict => ({ verdict: 'defer', waitingFor });

/** Why the charge an event names is not the order's (amount or currency), or undefined when it is. */
export function chargeMismatch(order: OrderRecord, fact: Charge): string | undefined {
  if (String(fact.amountMinor) === order.amountMinor && fact.currency === order.currency) return undefined;
  return `it names ${fact.amountMinor} ${fact.currency} (minor units), but the order is for ${order.amountMinor} ${order.currency}`;
}

/**
 * The evidence a reservation or refund needs: the order's amount, a payment this service recorded, and
 * the same payment. Defers while no payment is recorded and one still may be.
 */
function paymentEvidence(order: OrderRecord, fact: Charge, what: string): Verdict | undefined {
  const mismatch = chargeMismatch(order, fact);
  if (mismatch !== undefined) return refuse(`${what}: ${mismatch}`);
  if (order.status === 'PAYMENT_FAILED')
    return refuse(`${what}, but the order's payment was declined (PAYMENT_FAILED): nothing was charged`);
  if (order.paymentId === null) return defer(`payment_successful of payment ${fact.paymentId}`);
  if (!sameId(order.paymentId, fact.paymentId))
    return refuse(
      `${what} of payment ${fact.paymentId}, but the order was paid by payment ${order.paymentId}`,
    );
  return undefined;
}

/**
 * Decides one event against the order's records: apply it (the status moves only forward in rank and a
 * terminal status never changes), defer it until what it depends on is recorded, or refuse it.
 */
export function decide(order: OrderRecord, fact: SagaFact): Verdict {
  const s = order.status;
  switch (fact.kind) {
    case 'payment_successful': {
      const mismatch = chargeMismatch(order, fact);
      if (mismatch !== undefined) return refuse(`payment_successful: ${mismatch}`);
      if (order.paymentId !== null && !sameId(order.paymentId, fact.paymentId))
        return refuse(
          `payment_successful of payment ${fact.paymentId}, but the order was already paid by payment ${order.paymentId}`,
        );
      if (s === 'PAYMENT_FAILED')
        return refuse('payment_successful, but the order’s payment was declined (PAYMENT_FAILED)');
      // A payment captured before it saw order_expired is recorded (payment refunds it); EXPIRED stays.
      return apply(order, { status: s === 'PENDING' ? 'PAID' : s, paymentId: fact.paymentId });
    }
    case 'payment_failed': {
      const mismatch = chargeMismatch(order, fact);
      if (mismatch !== undefined) return refuse(`payment_failed: ${mismatch}`);
      if (order.paymentId !== null)
        return refuse(`payment_failed, but the order was paid by payment ${order.paymentId}`);
      if (s === 'PENDING') return apply(order, { status: 'PAYMENT_FAILED' });
      if (s === 'PAYMENT_FAILED' || s === 'EXPIRED') return apply(order, {});
      return refuse(`payment_failed, but the order is already ${s}`);
    }
    case 'inventory_updated': {
      const what = `inventory_updated ${fact.outcome}`;
      const missing = paymentEvidence(order, fact, what);
      if (missing !== undefined) return missing;
      if (fact.outcome === 'UNKNOWN' || s === 'EXPIRED') return apply(order, {}); // recorded, moves nothing
      const target = fact.outcome === 'RESERVED' ? 'CONFIRMED' : 'CANCELLED';
      if (s === 'PENDING' || s === 'PAID') return apply(order, { status: target });
      if (s === target) return apply(order, {});
      return refuse(`${what}, but the order is already ${s}`);
    }
    case 'payment_refunded': {
      const what = `payment_refunded (${fact.reason ?? 'UNKNOWN'})`;
      const missing = paymentEvidence(order, fact, what);
      if (missing !== undefined) return missing;
      if (fact.reason === 'ORDER_EXPIRED')
        return s === 'EXPIRED'
          ? apply(order, {})
          : refuse(
              `${what}, but the order is ${s}, not EXPIRED (it expires before order_expired is published)`,
            );
      // An out-of-stock refund cancels a paid order; an expired one only records it.
      if (s === 'PENDING' || s === 'PAID') return apply(order, { status: 'CANCELLED' });
      if (s === 'CANCELLED' || s === 'EXPIRED') return apply(order, {});
      return refuse(`${what}, but the order is already ${s}`);
    }
    case 'notification_sent':
      return decideNotice(order, fact.outcome);
  }
}

/** A notice is believed only once the order is in the state it announces (until then, deferred). */
function decideNotice(
  order: OrderRecord,
  outcome: Extract<SagaFact, { kind: 'notification_sent' }>['outcome'],
): Verdict {
  const s = order.status;
  const told = (): Verdict => apply(order, { notified: true });
  const what = `notification_sent ${outcome}`;
  switch (outcome) {
    case 'UNKNOWN':
      return told();
    case 'ORDER_CONFIRMED':
      if (s === 'CONFIRMED') return told();
      if (s === 'PENDING' || s === 'PAID') return defer('the reservation (inventory_updated RESERVED)');
      // It raced the deadline: the expiry notice (a correction) is still due, so it completes nothing.
      if (s === 'EXPIRED') return apply(order, {});
      return refuse(`${what}, but the order is ${s}`);
    case 'PAYMENT_FAILED':
      if (s === 'PAYMENT_FAILED' || s === 'EXPIRED') return told();
      if (s === 'PENDING') return defer('payment_failed');
      return refuse(`${what}, but the order is ${s}`);
    case 'ORDER_CANCELLED':
      if (s === 'CANCELLED' || s === 'EXPIRED') return told();
      if (s === 'PENDING' || s === 'PAID') return defer('the out-of-stock report or its refund');
      return refuse(`${what}, but the order is ${s}`);
    case 'ORDER_EXPIRED':
      if (s === 'EXPIRED') return told();
      return refuse(
        `${what}, but the order is ${s}, not EXPIRED (it expires before order_expired is published)`,
      );
  }
}
