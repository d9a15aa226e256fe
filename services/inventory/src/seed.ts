import type { CatalogPriceSet } from '@orderflow/contracts';
import { eventHeaders, type EventCodec, type TransactionRunner } from '@orderflow/platform';
import { PRICE_COLUMNS, publishPrices } from './catalog';
import type { Tx } from './db';
import type { PriceRow } from './setting-prices/decide';

/** The currencies every seeded SKU has a price in: the ones the tests, the demo and the bench order in. */
export const SEED_CURRENCIES = ['EUR', 'USD', 'GBP'] as const;

/** A seeded SKU: its units and its price of one unit per seeded currency (minor units). */
export interface SeedSku {
  sku: string;
  available: number;
  prices: Readonly<Record<(typeof SEED_CURRENCIES)[number], number>>;
}

/**
 * The stock and catalog a fresh inventory starts with: five generous SKUs for the happy path, and one
 * scarce SKU so an order for more than 5 units of it goes OUT_OF_STOCK (and is refunded).
 */
export const SEED_STOCK: readonly SeedSku[] = [
  { sku: 'SKU-1', available: 1_000_000, prices: { EUR: 1999, USD: 2199, GBP: 1699 } },
  { sku: 'SKU-2', available: 1_000_000, prices: { EUR: 4500, USD: 4900, GBP: 3900 } },
  { sku: 'SKU-3', available: 1_000_000, prices: { EUR: 12_000, USD: 13_000, GBP: 10_500 } },
  { sku: 'SKU-4', available: 1_000_000, prices: { EUR: 799, USD: 899, GBP: 699 } },
  { sku: 'SKU-5', available: 1_000_000, prices: { EUR: 2500, USD: 2700, GBP: 2150 } },
  { sku: 'SKU-SCARCE', available: 5, prices: { EUR: 100, USD: 110, GBP: 90 } },
];

const SEED_SKUS = `
INSERT INTO "stock" ("sku", "available", "reserved", "updated_at")
SELECT s, a, 0, now() FROM unnest($1::text[], $2::int[]) AS t(s, a)
ON CONFLICT ("sku") DO NOTHING`;

const SEED_PRICES = `
INSERT INTO "sku_prices" ("sku", "currency", "unit_price_minor", "version", "updated_at")
SELECT s, c, p, 1, now() FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(s, c, p)
ON CONFLICT ("sku", "currency") DO NOTHING
RETURNING ${PRICE_COLUMNS}`;

/**
 * Inserts the seed SKUs and seed prices that do not exist yet, and publishes catalog_price_set for each
 * price it inserted, all in one transaction; existing stock and prices (after sales, restocks or an
 * admin's price change) are never touched. Returns how many SKUs and prices were inserted.
 */
export async function seedStock(
  transaction: TransactionRunner<Tx>,
  catalogPriceSet: EventCodec<CatalogPriceSet>,
): Promise<{ skus: number; prices: number }> {
  const prices = SEED_STOCK.flatMap((s) =>
    SEED_CURRENCIES.map((currency) => ({ sku: s.sku, currency, unit: s.prices[currency] })),
  );
  return transaction(async (tx) => {
    const skus = await tx.$executeRawUnsafe(
      SEED_SKUS,
      SEED_STOCK.map((s) => s.sku),
      SEED_STOCK.map((s) => s.available),
    );
    const inserted = await tx.$queryRawUnsafe<PriceRow[]>(
      SEED_PRICES,
      prices.map((p) => p.sku),
      prices.map((p) => p.currency),
      prices.map((p) => String(p.unit)),
    );
    await publishPrices(tx, catalogPriceSet, inserted, eventHeaders());
    return { skus, prices: inserted.length };
  });
}
