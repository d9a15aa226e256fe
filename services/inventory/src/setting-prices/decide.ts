// The catalog's rules, free of I/O: a stored price as the catalog reads it, and the catalog_price_set
// event a stored price publishes.
import type { CatalogPriceSet } from '@orderflow/contracts';

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
