import { randomUUID } from 'node:crypto';
import type { InventoryUpdated, PaymentSuccessful } from '@orderflow/contracts';
import { outgoing, type EventCodec, type EventHandler, type Outgoing } from '@orderflow/platform';
import { lockOrder, type Tx } from '../db';
import type { StockCache } from '../stock-cache';
import { decideReservation, demandOf } from './decide';

/** Handles payment_successful: reserves every line or none, records the decision and returns the inventory_updated to publish. */
export function reserveStock(
  codec: EventCodec<InventoryUpdated>,
  cache: StockCache,
): EventHandler<PaymentSuccessful, Tx> {
  return async (payment, tx, ctx) => {
    // Serialised with order_expired's release: an expiry either is seen here or sees this reservation.
    await lockOrder(tx, payment.orderId);
    // An EXPIRED row (the order expired before its payment got here) counts: it reserves nothing.
    const decidedBefore = (await tx.reservation.count({ where: { orderId: payment.orderId } })) > 0;
    const demand = decidedBefore ? [] : demandOf(payment.orderId, payment.lines);
    // Lock the order's stock rows in SKU order (the order every reservation uses, so none deadlock)
    // and hold them until commit: no other reservation or restock sees the levels in between.
    const rows = await tx.$queryRawUnsafe<{ sku: string; available: number }[]>(
      `SELECT sku, available FROM stock WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE`,
      demand.map((d) => d.sku),
    );
    const events = decideReservation(
      payment,
      { alreadyDecided: decidedBefore, available: new Map(rows.map((r) => [r.sku, r.available])) },
      { newId: randomUUID, now: new Date() },
    );
    if (events.length === 0) ctx.log.info('order already decided; nothing to do');
    const published: Outgoing[] = [];
    for (const event of events) {
      if (event.status === 'RESERVED') {
        for (const d of demand) {
          // The WHERE repeats the check and the CHECK (available >= 0) constraint backs it: never oversell.
          const updated = await tx.$executeRawUnsafe(
            `UPDATE stock SET available = available - $2, reserved = reserved + $2, updated_at = now() WHERE sku = $1 AND available >= $2`,
            d.sku,
            d.quantity,
          );
          if (updated !== 1)
            throw new Error(
              `stock of ${d.sku} changed under a row lock while reserving order ${payment.orderId}`,
            );
        }
        cache.touch(
          tx,
          demand.map((d) => d.sku),
        );
      }
      const shortBy = new Map(event.shortLines.map((l) => [l.sku, l.requested - l.available]));
      await tx.reservation.create({
        data: {
          id: event.reservationId ?? randomUUID(),
          orderId: event.orderId,
          status: event.status === 'RESERVED' ? 'RESERVED' : 'OUT_OF_STOCK',
          lines: {
            create: demand.map((d) => ({
              sku: d.sku,
              quantity: d.quantity,
              shortBy: shortBy.get(d.sku) ?? 0,
            })),
          },
        },
      });
      published.push(outgoing(codec, event));
      ctx.log.info(
        { status: event.status, reservationId: event.reservationId, shortLines: event.shortLines },
        'reservation decided',
      );
    }
    return published;
  };
}
