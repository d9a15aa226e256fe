import type { InventoryUpdated, OrderExpired, PaymentRefunded } from '@orderflow/contracts';
import {
  outgoing,
  type EventCodec,
  type EventContext,
  type EventHandler,
  type Outgoing,
  newId,
} from '@orderflow/platform';
import { lockOrder, type Tx } from '../db';
import { decideExpiryRefund, decideRefund, type RefundState } from './decide';

/** The order's payment (row-locked: its status and the refund change together) and whether it was refunded. */
async function refundState(tx: Tx, orderId: string): Promise<RefundState> {
  const rows = await tx.$queryRawUnsafe<
    {
      id: string;
      status: 'SUCCEEDED' | 'FAILED' | 'REFUNDED';
      amount: string;
      currency: string;
      refunded: boolean;
    }[]
  >(
    `SELECT id::text, status::text AS status, amount::text, currency,
            EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = p.order_id) AS refunded
     FROM payments p WHERE order_id = $1::uuid FOR UPDATE`,
    orderId,
  );
  const row = rows[0];
  // No payment row means no refund either (a refund references its payment).
  const refunded = row?.refunded ?? false;
  const payment = row && {
    id: row.id,
    status: row.status,
    amountMinor: Number(row.amount),
    currency: row.currency,
  };
  return { payment, refunded };
}

/** Stores each decided refund (at most one per order: the unique key is the last word), marks the payment REFUNDED and returns its payment_refunded. */
async function applyRefunds(
  tx: Tx,
  ctx: EventContext,
  codec: EventCodec<PaymentRefunded>,
  state: RefundState,
  events: readonly PaymentRefunded[],
): Promise<Outgoing[]> {
  if (events.length === 0)
    ctx.log.info({ paymentStatus: state.payment?.status, refunded: state.refunded }, 'nothing to refund');
  const published: Outgoing[] = [];
  for (const event of events) {
    const count = await tx.$executeRawUnsafe(
      `INSERT INTO refunds (id, order_id, payment_id, amount, currency, reason)
       VALUES ($1::uuid, $2::uuid, $3::uuid, $4::bigint, $5, $6) ON CONFLICT DO NOTHING`,
      event.refundId,
      event.orderId,
      event.paymentId,
      String(event.amountMinor),
      event.currency,
      event.reason,
    );
    if (count === 0) continue;
    await tx.$executeRawUnsafe(
      `UPDATE payments SET status = 'REFUNDED', updated_at = now() WHERE id = $1::uuid`,
      event.paymentId,
    );
    published.push(outgoing(codec, event));
    ctx.log.info(
      {
        paymentId: event.paymentId,
        refundId: event.refundId,
        amountMinor: event.amountMinor,
        currency: event.currency,
        reason: event.reason,
      },
      'payment refunded',
    );
  }
  return published;
}

/** Handles inventory_updated: refunds a paid order that is OUT_OF_STOCK and returns the payment_refunded to publish. */
export function refundPayment(codec: EventCodec<PaymentRefunded>): EventHandler<InventoryUpdated, Tx> {
  return async (update, tx, ctx) => {
    if (update.status !== 'OUT_OF_STOCK') return [];
    const state = await refundState(tx, update.orderId);
    const events = decideRefund(update, state, { newId: newId, now: new Date() });
    return applyRefunds(tx, ctx, codec, state, events);
  };
}

/**
 * Handles order_expired: records the expiry (so a late order_created never charges the order), then
 * refunds a captured, not yet refunded charge and returns the payment_refunded (reason ORDER_EXPIRED)
 * to publish.
 */
export function refundExpiredOrder(codec: EventCodec<PaymentRefunded>): EventHandler<OrderExpired, Tx> {
  return async (expired, tx, ctx) => {
    await lockOrder(tx, expired.orderId);
    await tx.$executeRawUnsafe(
      `INSERT INTO expired_orders (order_id, reason, expired_at) VALUES ($1::uuid, $2, $3) ON CONFLICT DO NOTHING`,
      expired.orderId,
      expired.reason,
      expired.occurredAt,
    );
    const state = await refundState(tx, expired.orderId);
    const events = decideExpiryRefund(expired, state, { newId: newId, now: new Date() });
    return applyRefunds(tx, ctx, codec, state, events);
  };
}
