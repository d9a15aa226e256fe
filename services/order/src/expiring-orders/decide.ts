// ExpireOrder as a pure decision: an order that is still PENDING or PAID when its saga deadline passed
// ends EXPIRED, and order_expired tells payment (refund a capture), inventory (release a reservation) and
// notification (tell the customer) to compensate. The sweeper (sweeper.ts) does the I/O.
import type { OrderExpired, OrderSagaStage } from '@orderflow/contracts';
import { isTerminal, type OrderStatus } from '../tracking-saga/decide';

/** An order the sweeper found not final, as the decision needs it. */
export interface UnfinishedOrder {
  id: string;
  status: OrderStatus;
  createdAt: Date;
  amountMinor: number;
  currency: string;
  customer: { id: string; email: string; name: string | null };
}

/** The deadline, the time and ids, passed in so the decision stays pure. */
export interface ExpiryEnvironment {
  /** How long an order may take to reach a final status, from its creation. */
  deadlineMs: number;
  now: Date;
  newId: () => string;
}

/** What expiring one order writes: the event to publish and its timeline line. */
export interface Expiry {
  event: OrderExpired;
  /** The timeline entry's detail: why the order ended EXPIRED. */
  detail: string;
}

/** When `createdAt`'s saga must be final. */
export function deadlineOf(createdAt: Date, deadlineMs: number): Date {
  return new Date(createdAt.getTime() + deadlineMs);
}

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

/** The order's expiry, or undefined when it is final already or its deadline has not passed. */
export function decideExpiry(order: UnfinishedOrder, env: ExpiryEnvironment): Expiry | undefined {
  if (isTerminal(order.status)) return undefined;
  const deadlineAt = deadlineOf(order.createdAt, env.deadlineMs);
  if (env.now.getTime() < deadlineAt.getTime()) return undefined;
  const stage: OrderSagaStage =
    order.status === 'PENDING' ? 'PENDING' : order.status === 'PAID' ? 'PAID' : 'UNKNOWN';
  const compensation =
    stage === 'PENDING'
      ? 'a charge, if one is made, is refunded'
      : 'the captured payment is refunded and any reservation released';
  return {
    event: {
      eventId: env.newId(),
      // Avro timestamp-millis: whole milliseconds, so the stored and published times are equal.
      occurredAt: new Date(Math.floor(env.now.getTime())),
      orderId: order.id,
      reason: 'SAGA_DEADLINE_EXCEEDED',
      statusAtExpiry: stage,
      deadlineAt,
      amountMinor: order.amountMinor,
      currency: order.currency,
      customer: order.customer,
    },
    detail: `not final ${seconds(env.deadlineMs)} after it was placed (still ${order.status}): SAGA_DEADLINE_EXCEEDED; ${compensation}`,
  };
}
