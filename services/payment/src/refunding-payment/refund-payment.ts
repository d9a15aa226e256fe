import { randomUUID } from 'node:crypto';
import type { InventoryUpdated, PaymentRefunded } from '@orderflow/contracts';
import { enqueueOutbox, type EventCodec, type EventHandler } from '@orderflow/platform';
import type { Tx } from '../db';
import { decideRefund } from './decide';

/** Handles inventory_updated: refunds a paid order that is OUT_OF_STOCK and enqueues payment_refunded, in the consumer's transaction. */
export function refundPayment(codec: EventCodec<PaymentRefunded>): EventHandler<InventoryUpdated, Tx> {
  return async (update, tx, ctx) => {
    if (update.status !== 'OUT_OF_STOCK') return;
    // Lock the payment row: its status and the refund change together.
    const rows = await tx.$queryRawUnsafe<
      { id: string; status: 'SUCCEEDED' | 'FAILED' | 'REFUNDED'; amount: bigint; currency: string }[]
    >(
      `SELECT id::text, status::text AS status, amount, currency FROM payments WHERE order_id = $1::uuid FOR UPDATE`,
      update.orderId,
    );
    const row = rows[0];
    const refunded = (await tx.refund.count({ where: { orderId: update.orderId } })) > 0;
    const payment = row && {
      id: row.id,
      status: row.status,
      amountMinor: Number(row.amount),
      currency: row.currency,
    };
    const events = decideRefund(update, { payment, refunded }, { newId: randomUUID, now: new Date() });
    if (events.length === 0) ctx.log.info({ paymentStatus: payment?.status, refunded }, 'nothing to refund');
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
      await enqueueOutbox(tx, codec, event, ctx.outgoingHeaders());
      ctx.log.info(
        {
          paymentId: event.paymentId,
          refundId: event.refundId,
          amountMinor: event.amountMinor,
          currency: event.currency,
        },
        'payment refunded',
      );
    }
  };
}
