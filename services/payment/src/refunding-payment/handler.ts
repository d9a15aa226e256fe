import { randomUUID } from 'node:crypto';
import type { InventoryUpdated, OrderExpired, PaymentRefunded } from '@orderflow/contracts';
import {
  outgoing,
  type EventCodec,
  type EventContext,
  type EventHandler,
  type Outgoing,
} from '@orderflow/platform';
import { lockOrder, type Tx } from '../db';
import { decideExpiryRefund, decideRefund, type RefundState } from './decide';

/** The order's payment (row-locked: its status and the refund change together) and whether it was refunded. */
async function refundState(tx: Tx, orderId: string): Promise<RefundState> {
  const rows = await tx.$queryRawUnsafe<
    { id: string; status: 'SUCCEEDED' | 'FAILED' | 'REFUNDED'; amount: bigint; currency: string }[]
  >(
    `SELECT id::text, status::text AS status, amount, currency FROM payments WHERE order_id = $1::uuid FOR UPDATE`,
    orderId,
  );
  const row = rows[0];
  const refunded = (await tx.refund.count({ where: { orderId } })) > 0;
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
    const { count } = await tx.refund.createMany({
      data: [
        {
          id: event.refundId,
          orderId: event.orderId,
          paymentId: event.paymentId,
          amount: BigInt(event.amountMinor),
          currency: event.currency,
          reason: event.reason,
        },
      ],
      skipDuplicates: true,
    });
    if (count === 0) continue;
    await tx.payment.update({ where: { id: event.paymentId }, data: { status: 'REFUNDED' } });
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
    const events = decideRefund(update, state, { newId: randomUUID, now: new Date() });
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
    await tx.expiredOrder.createMany({
      data: [{ orderId: expired.orderId, reason: expired.reason, expiredAt: expired.occurredAt }],
      skipDuplicates: true,
    });
    const state = await refundState(tx, expired.orderId);
    const events = decideExpiryRefund(expired, state, { newId: randomUUID, now: new Date() });
    return applyRefunds(tx, ctx, codec, state, events);
  };
}
