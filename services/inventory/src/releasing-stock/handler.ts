import type { OrderExpired } from '@orderflow/contracts';
import { newId } from '@orderflow/platform';
import type { EventHandler } from '@orderflow/platform';
import { lockOrder, type Tx } from '../db';
import type { StockCache } from '../stock-cache';
import { decideRelease, type RecordedReservation } from './decide';

/**
 * Handles order_expired: gives a RESERVED order's units back and marks it RELEASED, or records an order
 * not reserved yet as EXPIRED (a late payment_successful then reserves nothing), in the consumer's
 * transaction; the inbox makes a redelivery a no-op and the status makes a second release impossible.
 * It publishes nothing.
 */
export function releaseStock(cache: StockCache): EventHandler<OrderExpired, Tx> {
  return async (expired, tx, ctx) => {
    await lockOrder(tx, expired.orderId);
    const rows = await tx.$queryRawUnsafe<{ id: string; status: RecordedReservation['status'] }[]>(
      `SELECT id::text AS id, status::text AS status FROM reservations WHERE order_id = $1::uuid FOR UPDATE`,
      expired.orderId,
    );
    const row = rows[0];
    const reservation =
      row &&
      ({
        ...row,
        lines: await tx.$queryRawUnsafe<{ sku: string; quantity: number }[]>(
          `SELECT sku, quantity FROM reservation_lines WHERE reservation_id = $1::uuid ORDER BY sku`,
          row.id,
        ),
      } satisfies RecordedReservation);
    const decision = decideRelease(expired, reservation);
    switch (decision.kind) {
      case 'none':
        ctx.log.info({ status: reservation?.status }, `order expired; nothing to release: ${decision.why}`);
        return;
      case 'block':
        await tx.$executeRawUnsafe(
          `INSERT INTO reservations (id, order_id, status) VALUES ($1::uuid, $2::uuid, 'EXPIRED')`,
          newId(),
          decision.orderId,
        );
        ctx.log.info('order expired before any reservation; a late payment_successful will reserve nothing');
        return;
      case 'release':
        for (const line of decision.lines) {
          // The CHECK (reserved >= 0) constraint backs this: a release never gives back more than was taken.
          await tx.$executeRawUnsafe(
            `UPDATE stock SET available = available + $2, reserved = reserved - $2, updated_at = now() WHERE sku = $1`,
            line.sku,
            line.quantity,
          );
        }
        await tx.$executeRawUnsafe(
          `UPDATE reservations SET status = 'RELEASED' WHERE id = $1::uuid`,
          decision.reservationId,
        );
        cache.touch(
          tx,
          decision.lines.map((l) => l.sku),
        );
        ctx.log.info(
          { reservationId: decision.reservationId, lines: decision.lines },
          'order expired; reservation released',
        );
    }
  };
}
