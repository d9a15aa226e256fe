import type { OrderCreated, PaymentFailed, PaymentSuccessful } from '@orderflow/contracts';
import { PermanentEventError } from '@orderflow/platform';
import { simulateCharge } from './simulator';

/** What charging an order can produce. */
export type CaptureEvent =
  { type: 'PaymentSuccessful'; event: PaymentSuccessful } | { type: 'PaymentFailed'; event: PaymentFailed };

/** What the payment service knows about the order before charging it. */
export interface CaptureState {
  /** A payment (successful or not) already exists for the order: never charge twice. */
  alreadyCharged: boolean;
  /** The order expired (order_expired arrived first): it is final, never charge it. */
  orderExpired?: boolean;
}

/** Ids, time and limits the decision needs, passed in so the decision stays pure. */
export interface CaptureEnvironment {
  limitMinor: number;
  newId: () => string;
  now: Date;
}

const CURRENCY = /^[A-Z]{3}$/;

/** Decides the outcome of charging an order: [] when it was charged before or has expired, else one success or failure event. */
export function decideCapture(
  order: OrderCreated,
  state: CaptureState,
  env: CaptureEnvironment,
): CaptureEvent[] {
  if (state.alreadyCharged || state.orderExpired === true) return [];
  // The schema says only "string"/"long"; a charge needs a real currency and a non-negative amount.
  if (!CURRENCY.test(order.currency))
    throw new PermanentEventError(
      'INVALID_EVENT',
      `order ${order.orderId}: currency "${order.currency}" is not an ISO-4217 code`,
    );
  if (order.amountMinor < 0)
    throw new PermanentEventError(
      'INVALID_EVENT',
      `order ${order.orderId}: amountMinor ${order.amountMinor} is negative`,
    );
  const result = simulateCharge(
    { amountMinor: order.amountMinor, currency: order.currency, paymentToken: order.paymentToken },
    env.limitMinor,
  );
  const common = {
    eventId: env.newId(),
    occurredAt: env.now,
    orderId: order.orderId,
    paymentId: env.newId(),
    amountMinor: order.amountMinor,
    currency: order.currency,
    customer: order.customer,
  };
  if (result.approved) return [{ type: 'PaymentSuccessful', event: { ...common, lines: order.lines } }];
  return [{ type: 'PaymentFailed', event: { ...common, reason: result.reason, message: result.message } }];
}
