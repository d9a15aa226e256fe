import { randomUUID } from 'node:crypto';
import type { NotificationSent } from '@orderflow/contracts';
import { outgoing, type EventCodec, type EventHandler, type Outgoing } from '@orderflow/platform';
import type { Tx } from '../db';
import type { NotificationChannel } from './channels';
import { decideNotification, outcomeOf, type Trigger } from './decide';

/**
 * A handler that tells the customer the outcome an event announces: claims the (order, outcome) row,
 * delivers through the channel and returns notification_sent to publish — all in the consumer's
 * transaction, so a failed delivery rolls the claim back and the event is retried.
 */
export function notifyCustomer<T extends Trigger['event']>(
  toTrigger: (event: T) => Trigger,
  channel: NotificationChannel,
  codec: EventCodec<NotificationSent>,
): EventHandler<T, Tx> {
  return async (event, tx, ctx) => {
    const trigger = toTrigger(event);
    const outcome = outcomeOf(trigger);
    if (outcome === undefined) {
      ctx.log.info('nothing to tell the customer for this event');
      return [];
    }
    // One order's outcomes arrive on different topics: taken one at a time, each sees what the others told.
    await tx.$executeRawUnsafe(
      `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
      `notification:${event.orderId}`,
    );
    const told = await tx.notification.findMany({
      where: { orderId: event.orderId },
      select: { kind: true },
    });
    const toldBefore = told.map((n) => n.kind);
    const notices = decideNotification(trigger, {
      alreadyNotified: toldBefore.includes(outcome),
      toldBefore,
    });
    if (notices.length === 0)
      ctx.log.info({ outcome, toldBefore }, 'customer already told this or a final outcome; nothing to do');
    const published: Outgoing[] = [];
    for (const notice of notices) {
      const recipient = channel.recipientOf(notice);
      // The unique (order, outcome) key is the last word: a duplicate claims nothing and sends nothing.
      const { count } = await tx.notification.createMany({
        data: [
          {
            id: notice.notificationId,
            orderId: notice.orderId,
            kind: notice.outcome,
            channel: channel.kind,
            recipient,
            message: notice.message,
            status: 'SENT',
          },
        ],
        skipDuplicates: true,
      });
      if (count === 0) continue;
      await channel.deliver(notice);
      published.push(
        outgoing(codec, {
          eventId: randomUUID(),
          occurredAt: new Date(),
          orderId: notice.orderId,
          notificationId: notice.notificationId,
          channel: channel.kind,
          outcome: notice.outcome,
          recipient,
          causationEventId: notice.causationEventId,
        }),
      );
      ctx.log.info(
        { notificationId: notice.notificationId, outcome: notice.outcome, channel: channel.kind },
        'customer notified',
      );
    }
    return published;
  };
}
