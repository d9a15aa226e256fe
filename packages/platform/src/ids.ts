import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(16 * 256);
let next = pool.length;

/**
 * A new UUID, version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids made one
 * after another sort together, so a primary key or unique index on them grows at its right edge
 * instead of touching a random leaf page per insert (and writing a full page image of it after each
 * checkpoint): the ids of orders, events, payments, reservations and refunds.
 */
export function newId(now: number = Date.now()): string {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const b = pool.subarray(next, next + 16);
  next += 16;
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const x = b.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** A UUID in its canonical 36-character text form, any version (no braces, no `urn:uuid:` prefix). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A SKU as the order API defines it (OrderLine.sku in order-api.yaml): 1-64 characters. */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** An ISO-4217 alphabetic currency code as the order API defines it (CreateOrderRequest.currency): EUR. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/**
 * The highest unit price a line may carry, in minor units (OrderLine.unitPriceMinor's maximum in the
 * order API): the catalog holds no higher price, so an order's total (at most 100 lines of 10,000 units)
 * stays an exact integer below 2^53.
 */
export const MAX_UNIT_PRICE_MINOR = 1_000_000_000;
