import type { InventoryUpdated, OrderExpired, PaymentRefunded } from '@orderflow/contracts';
import { PermanentEventError } from '@orderflow/platform';

/** The order's payment as the refund decision needs it. */
export interface PaymentOfOrder {
  id: string;
  status: 'SUCCEEDED' | 'FAILED' | 'REFUNDED';
  amountMinor: number;
  currency: string;
}

/** What the payment service knows before refunding. */
export interface RefundState {
  payment: PaymentOfOrder | undefined;
  /** A refund already exists for the order: never refund twice. */
  refunded: boolean;
}

/** Ids and time, passed in so the decision stays pure. */
export interface RefundEnvironment {
  newId: () => string;
  now: Date;
}

/**
 * Decides the compensation for an inventory outcome: an order inventory could not fulfil gets its
 * charge refunded in full (one PaymentRefunded); anything else, or an order refunded before, gets [].
 */
export function decideRefund(
  update: InventoryUpdated,
  state: RefundState,
  env: RefundEnvironment,
): PaymentRefunded[] {
  if (update.status !== 'OUT_OF_STOCK' || state.refunded) return [];
  const { payment } = state;
  // inventory_updated follows payment_successful, which this service published after storing the payment:
  // an unknown order is not a timing issue that a retry would fix.
  if (payment === undefined)
    throw new PermanentEventError(
      'UNPROCESSABLE',
      `inventory could not fulfil order ${update.orderId}, but this service has no payment for it`,
    );
  if (payment.status !== 'SUCCEEDED') return [];
  return [
    {
      eventId: env.newId(),
      occurredAt: env.now,
      orderId: update.orderId,
      refundId: env.newId(),
      paymentId: payment.id,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      reason: 'OUT_OF_STOCK',
      customer: update.customer,
    },
  ];
}

/**
 * Decides the compensation for an expired order: a SUCCEEDED charge not refunded before is refunded in
 * full (one PaymentRefunded, reason ORDER_EXPIRED); no charge (none yet, declined) or one refunded
 * before (e.g. out of stock) gets []. Unlike an inventory outcome, an expiry may precede the charge:
 * the handler records it so the late order_created charges nothing.
 */
export function decideExpiryRefund(
  expired: OrderExpired,
  state: RefundState,
  env: RefundEnvironment,
): PaymentRefunded[] {
  const { payment } = state;
  if (state.refunded || payment === undefined || payment.status !== 'SUCCEEDED') return [];
  return [
    {
      eventId: env.newId(),
      occurredAt: env.now,
      orderId: expired.orderId,
      refundId: env.newId(),
      paymentId: payment.id,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      reason: 'ORDER_EXPIRED',
      customer: expired.customer,
    },
  ];
}
