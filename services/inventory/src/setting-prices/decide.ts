// The catalog's rules, free of I/O: the bounds of a price, the seeded catalog, and the catalog_price_set
// event a stored price publishes.
import type { CatalogPriceSet } from '@orderflow/contracts';

/**
 * The highest unit price the catalog holds, in minor units: the order API's bound on a line's price, so
 * an order's total (at most 100 lines of 10,000 units) stays an exact integer below 2^53.
 */
export const MAX_UNIT_PRICE_MINOR = 1_000_000_000;

/** A price as the catalog stores it (sku_prices). */
export interface CatalogPrice {
  sku: string;
  currency: string;
  unitPriceMinor: number;
  /** 1 when first set, one more at every change. */
  version: number;
  /** When the price was last set (whole milliseconds: timestamptz(3)). */
  updatedAt: Date;
}

/** The catalog_price_set a stored price publishes, so the order service prices orders with it. */
export function catalogPriceSet(price: CatalogPrice, eventId: string): CatalogPriceSet {
  return {
    eventId,
    occurredAt: price.updatedAt,
    sku: price.sku,
    currency: price.currency,
    unitPriceMinor: price.unitPriceMinor,
    version: price.version,
  };
}

/** A row of sku_prices as raw SQL returns it (bigint columns as text, currency as char(3)). */
export interface PriceRow {
  sku: string;
  currency: string;
  unit_price_minor: string;
  version: string;
  updated_at: Date;
}

/** A sku_prices row as a {@link CatalogPrice}. */
export function fromRow(row: PriceRow): CatalogPrice {
  return {
    sku: row.sku,
    currency: row.currency.trim(),
    unitPriceMinor: Number(row.unit_price_minor),
    version: Number(row.version),
    updatedAt: row.updated_at,
  };
}
