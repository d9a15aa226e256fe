import type { OrderCreated, PaymentFailed, PaymentSuccessful } from '@orderflow/contracts';
import { outgoing, type EventCodec, type EventHandler, type Outgoing } from '@orderflow/platform';
import { randomUUID } from 'node:crypto';
import { lockOrder, type Tx } from '../db';
import { decideCapture } from './decide';

/** The codecs the capture handler publishes with. */
export interface CaptureCodecs {
  paymentSuccessful: EventCodec<PaymentSuccessful>;
  paymentFailed: EventCodec<PaymentFailed>;
}

/** Handles order_created: charges through the simulator, stores the payment and returns its outcome (payment_successful or payment_failed) to publish. */
export function capturePayment(
  codecs: CaptureCodecs,
  opts: { limitMinor: number },
): EventHandler<OrderCreated, Tx> {
  return async (order, tx, ctx) => {
    // Serialised with order_expired's handler: an expiry either is seen here or sees this charge.
    await lockOrder(tx, order.orderId);
    const existing = await tx.payment.findUnique({ where: { orderId: order.orderId }, select: { id: true } });
    const expired = await tx.expiredOrder.count({ where: { orderId: order.orderId } });
    if (expired > 0) ctx.log.info('order expired before it was charged; not charging it');
    const events = decideCapture(
      order,
      { alreadyCharged: existing !== null, orderExpired: expired > 0 },
      { limitMinor: opts.limitMinor, newId: randomUUID, now: new Date() },
    );
    if (events.length === 0) ctx.log.info('order already charged; nothing to do');
    const published: Outgoing[] = [];
    for (const decided of events) {
      const { event } = decided;
      const failureReason = decided.type === 'PaymentFailed' ? decided.event.reason : null;
      // The unique orderId is the last word: a concurrent duplicate inserts nothing and publishes nothing.
      const { count } = await tx.payment.createMany({
        data: [
          {
            id: event.paymentId,
            orderId: event.orderId,
            status: failureReason === null ? 'SUCCEEDED' : 'FAILED',
            amount: BigInt(event.amountMinor),
            currency: event.currency,
            failureReason,
          },
        ],
        skipDuplicates: true,
      });
      if (count === 0) {
        ctx.log.info('order already charged; nothing to do');
        continue;
      }
      published.push(
        decided.type === 'PaymentSuccessful'
          ? outgoing(codecs.paymentSuccessful, decided.event)
          : outgoing(codecs.paymentFailed, decided.event),
      );
      ctx.log.info(
        {
          paymentId: event.paymentId,
          outcome: decided.type,
          failureReason,
          amountMinor: event.amountMinor,
          currency: event.currency,
        },
        'payment decided',
      );
    }
    return published;
  };
}
