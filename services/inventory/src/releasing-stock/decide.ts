// ReleaseStock as a pure decision: what an expired order's reservation becomes.
import type { OrderExpired } from '@orderflow/contracts';

/** The order's reservation decision as inventory recorded it (undefined: payment_successful not handled yet). */
export interface RecordedReservation {
  id: string;
  status: 'RESERVED' | 'OUT_OF_STOCK' | 'RELEASED' | 'EXPIRED';
  lines: readonly { sku: string; quantity: number }[];
}

/** What to do for an expired order. */
export type ReleaseDecision =
  /** Put the reserved units back (lines sorted by SKU, the order every stock update locks rows in) and mark the reservation RELEASED. */
  | { kind: 'release'; reservationId: string; lines: { sku: string; quantity: number }[] }
  /** Nothing reserved yet: record the order as EXPIRED so a late payment_successful reserves nothing. */
  | { kind: 'block'; orderId: string }
  /** Nothing to give back (out of stock, or released/blocked before). */
  | { kind: 'none'; why: string };

/** Decides the compensation of an expired order's stock: release exactly what was reserved, once. */
export function decideRelease(
  expired: OrderExpired,
  reservation: RecordedReservation | undefined,
): ReleaseDecision {
  if (reservation === undefined) return { kind: 'block', orderId: expired.orderId };
  switch (reservation.status) {
    case 'RESERVED':
      return {
        kind: 'release',
        reservationId: reservation.id,
        lines: [...reservation.lines]
          .filter((l) => l.quantity > 0)
          .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)),
      };
    case 'OUT_OF_STOCK':
      return { kind: 'none', why: 'nothing was reserved (out of stock)' };
    case 'RELEASED':
      return { kind: 'none', why: 'the reservation was released before' };
    case 'EXPIRED':
      return { kind: 'none', why: 'the expiry was recorded before' };
  }
}
