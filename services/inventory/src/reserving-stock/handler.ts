import type { InventoryUpdated, PaymentSuccessful } from '@orderflow/contracts';
import { outgoing, type BatchEventHandler, type EventCodec, newId } from '@orderflow/platform';
import { lockOrders, type Tx } from '../db';
import type { StockCache } from '../stock-cache';
import { decideReservation, demandOf, type Demand } from './decide';

interface ReservationRow {
  id: string;
  orderId: string;
  status: 'RESERVED' | 'OUT_OF_STOCK';
  lines: (Demand & { shortBy: number })[];
}

/**
 * Handles a chunk of payment_successful set-based: every order reserves every line or none, decided in
 * partition order against the levels the orders before it in the chunk left (never oversold), with the
 * chunk's stock rows locked once, in SKU order; the levels are updated in one UPDATE, the reservations
 * stored in two INSERTs, and each order's inventory_updated returned to publish.
 */
export function reserveStock(
  codec: EventCodec<InventoryUpdated>,
  cache: StockCache,
): BatchEventHandler<PaymentSuccessful, Tx> {
  return async (items, tx) => {
    // Serialised with order_expired's release: an expiry either is seen here or sees this reservation.
    await lockOrders(
      tx,
      items.map((i) => i.event.orderId),
    );
    // An EXPIRED row (the order expired before its payment got here) counts: it reserves nothing.
    const before = await tx.$queryRawUnsafe<{ order_id: string }[]>(
      `SELECT DISTINCT order_id::text FROM reservations WHERE order_id = ANY($1::uuid[])`,
      items.map((i) => i.event.orderId),
    );
    const decided = new Set(before.map((r) => r.order_id));
    const demands = items.map(({ event }) =>
      decided.has(event.orderId.toLowerCase()) ? [] : demandOf(event.orderId, event.lines),
    );
    // Lock every SKU of the chunk in SKU order (the order every reservation and restock uses, so none
    // deadlock) and hold them until commit: no other reservation or restock sees the levels in between.
    const skus = [...new Set(demands.flat().map((d) => d.sku))].sort();
    const levels = await tx.$queryRawUnsafe<{ sku: string; available: number }[]>(
      `SELECT sku, available FROM stock WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE`,
      skus,
    );
    const available = new Map(levels.map((r) => [r.sku, r.available]));
    const taken = new Map<string, number>();
    const rows: ReservationRow[] = [];
    const now = new Date();
    const published = items.map(({ event: payment, ctx }, i) => {
      const orderId = payment.orderId.toLowerCase();
      const events = decideReservation(
        payment,
        { alreadyDecided: decided.has(orderId), available },
        { newId: newId, now },
      );
      if (events.length === 0) ctx.log.debug('order already decided; nothing to do');
      for (const event of events) {
        decided.add(orderId);
        const reserved = event.status === 'RESERVED';
        const demand = demands[i]!;
        if (reserved)
          for (const d of demand) {
            available.set(d.sku, available.get(d.sku)! - d.quantity);
            taken.set(d.sku, (taken.get(d.sku) ?? 0) + d.quantity);
          }
        const shortBy = new Map(event.shortLines.map((l) => [l.sku, l.requested - l.available]));
        rows.push({
          id: event.reservationId ?? newId(),
          orderId: event.orderId,
          status: reserved ? 'RESERVED' : 'OUT_OF_STOCK',
          lines: demand.map((d) => ({ ...d, shortBy: shortBy.get(d.sku) ?? 0 })),
        });
        ctx.log.debug(
          { status: event.status, reservationId: event.reservationId, shortLines: event.shortLines },
          'reservation decided',
        );
      }
      return events.map((e) => outgoing(codec, e));
    });
    if (taken.size > 0) {
      const bySku = [...taken];
      // The WHERE repeats the check and the CHECK (available >= 0) constraint backs it: never oversell.
      const updated = await tx.$executeRawUnsafe(
        `UPDATE stock SET available = available - d.quantity, reserved = reserved + d.quantity, updated_at = now()
         FROM unnest($1::text[], $2::int[]) AS d(sku, quantity)
         WHERE stock.sku = d.sku AND stock.available >= d.quantity`,
        bySku.map(([sku]) => sku),
        bySku.map(([, quantity]) => quantity),
      );
      if (updated !== bySku.length)
        throw new Error(`stock changed under a row lock while reserving ${rows.length} orders`);
      cache.touch(tx, taken.keys());
    }
    if (rows.length > 0) {
      await tx.$executeRawUnsafe(
        `INSERT INTO reservations (id, order_id, status)
         SELECT id, order_id, status::reservation_status FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(id, order_id, status)`,
        rows.map((r) => r.id),
        rows.map((r) => r.orderId),
        rows.map((r) => r.status),
      );
      const lines = rows.flatMap((r) => r.lines.map((l) => ({ reservationId: r.id, ...l })));
      await tx.$executeRawUnsafe(
        `INSERT INTO reservation_lines (reservation_id, sku, quantity, short_by)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::int[])`,
        lines.map((l) => l.reservationId),
        lines.map((l) => l.sku),
        lines.map((l) => l.quantity),
        lines.map((l) => l.shortBy),
      );
    }
    return published;
  };
}
