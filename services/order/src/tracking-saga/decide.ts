// The order's state machine as pure functions: what a saga event does to an order's status.
//
// Events for one order arrive on DIFFERENT topics (each keyed by orderId, but Kafka orders only within a
// partition of one topic), so the order service may see notification_sent before inventory_updated, or
// inventory_updated before payment_successful. The machine is therefore monotonic: a status only moves
// forward in rank (PENDING → PAID → a terminal status), a terminal status never changes, and every fact
// is recorded in the timeline whether or not it moves the status. EXPIRED is the terminal status the
// order service's own sweeper gives an order not final by its saga deadline (see expiring-orders/);
// late events of the saga it cut short are recorded but never move it.

/** An order's status (the same set as the API's OrderStatus and the database enum). */
export type OrderStatus = 'PENDING' | 'PAID' | 'PAYMENT_FAILED' | 'CONFIRMED' | 'CANCELLED' | 'EXPIRED';

/** The statuses an order ends in: exactly one of them, forever. */
export const TERMINAL_STATUSES: readonly OrderStatus[] = [
  'PAYMENT_FAILED',
  'CONFIRMED',
  'CANCELLED',
  'EXPIRED',
];

/** What the state machine needs to know about an order. */
export interface OrderState {
  status: OrderStatus;
  /** The customer was told the outcome (notification_sent). */
  notified: boolean;
}

/** A saga event as the order's state machine sees it (decoded from its topic, reduced to what matters). */
export type SagaFact =
  | { kind: 'payment_successful' }
  | { kind: 'payment_failed' }
  | { kind: 'inventory_updated'; outcome: 'RESERVED' | 'OUT_OF_STOCK' | 'UNKNOWN' }
  | {
      kind: 'notification_sent';
      outcome: 'ORDER_CONFIRMED' | 'PAYMENT_FAILED' | 'ORDER_CANCELLED' | 'ORDER_EXPIRED' | 'UNKNOWN';
    }
  | { kind: 'payment_refunded'; reason?: 'OUT_OF_STOCK' | 'ORDER_EXPIRED' | 'UNKNOWN' };

/** The outcome of applying one fact. */
export interface Decision {
  status: OrderStatus;
  notified: boolean;
  /** True when status or notified changed (the order row must be updated and its cache dropped). */
  changed: boolean;
  /** Set when the fact contradicts a terminal status the order already has (kept; worth a warning). */
  conflict?: string;
}

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

/** The status a fact points at, or undefined when it says nothing about the status (an unknown enum symbol). */
export function targetStatus(fact: SagaFact): OrderStatus | undefined {
  switch (fact.kind) {
    case 'payment_successful':
      return 'PAID';
    case 'payment_failed':
      return 'PAYMENT_FAILED';
    case 'inventory_updated':
      return fact.outcome === 'RESERVED'
        ? 'CONFIRMED'
        : fact.outcome === 'OUT_OF_STOCK'
          ? 'CANCELLED'
          : undefined;
    case 'notification_sent':
      // The notification names the final outcome, so it may settle the status before the event that
      // caused it arrives here (a different topic, so no ordering guarantee).
      return fact.outcome === 'ORDER_CONFIRMED'
        ? 'CONFIRMED'
        : fact.outcome === 'PAYMENT_FAILED'
          ? 'PAYMENT_FAILED'
          : fact.outcome === 'ORDER_CANCELLED'
            ? 'CANCELLED'
            : fact.outcome === 'ORDER_EXPIRED'
              ? 'EXPIRED'
              : undefined;
    case 'payment_refunded':
      // A refund follows an order that could not be fulfilled, or one that expired (the compensation of
      // order_expired, which this service published after ending the order EXPIRED itself).
      return fact.reason === 'ORDER_EXPIRED' ? 'EXPIRED' : 'CANCELLED';
  }
}

/** Applies `fact` to `state`: the status moves only forward in rank and a terminal status never changes. */
export function decide(state: OrderState, fact: SagaFact): Decision {
  const target = targetStatus(fact);
  // An "order confirmed" notice that raced the deadline does not tell the customer about the expiry: the
  // expiry notice (a correction) is still due, so it does not complete an EXPIRED order.
  const stale = state.status === 'EXPIRED' && target === 'CONFIRMED';
  const notified = state.notified || (fact.kind === 'notification_sent' && !stale);
  let status = state.status;
  let conflict: string | undefined;
  if (target !== undefined && target !== state.status) {
    if (RANK[target] > RANK[state.status]) status = target;
    else if (isTerminal(state.status) && isTerminal(target)) {
      conflict = `${fact.kind} points at ${target}, but the order already ended ${state.status}; keeping ${state.status}`;
    }
  }
  const decision: Decision = {
    status,
    notified,
    changed: status !== state.status || notified !== state.notified,
  };
  if (conflict !== undefined) decision.conflict = conflict;
  return decision;
}

/** The saga is over for the customer: the order ended and they were told. */
export function isCompleted(state: OrderState): boolean {
  return state.notified && isTerminal(state.status);
}
