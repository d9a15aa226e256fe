// The catalog read model: catalog_price_set (from the inventory) → catalog_prices, where POST /orders
// reads every line's price. Applied in the consumer's transaction with the inbox rows; publishes nothing.
import type { SchemaRegistryClient } from '@orderflow/codec';
import { catalogPriceSet, type CatalogPriceSet } from '@orderflow/contracts';
import { onBatch, PermanentEventError, type Subscription } from '@orderflow/platform';
import type { OrderTx } from '../db';
import { newerPrices, priceKey, unusablePrice, type CatalogPrice } from './decide';

// Locks the stored rows of the chunk's keys, so two transactions never decide on the same version.
const STORED_VERSIONS = `
SELECT p."sku", p."currency"::text AS "currency", p."version"::text AS "version"
FROM "catalog_prices" p
JOIN unnest($1::text[], $2::text[]) AS k(sku, currency) ON p."sku" = k.sku AND p."currency" = k.currency::char(3)
FOR UPDATE OF p`;

// The WHERE repeats the rule the decision applied: a row only ever moves to a higher version.
const RECORD_PRICES = `
INSERT INTO "catalog_prices" ("sku", "currency", "unit_price_minor", "version", "set_at", "recorded_at")
SELECT s, c, p, v, t, now()
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::timestamptz[]) AS x(s, c, p, v, t)
ON CONFLICT ("sku", "currency") DO UPDATE
  SET "unit_price_minor" = EXCLUDED."unit_price_minor", "version" = EXCLUDED."version",
      "set_at" = EXCLUDED."set_at", "recorded_at" = now()
  WHERE "catalog_prices"."version" < EXCLUDED."version"`;

/**
 * Records a chunk of catalog prices: per SKU and currency the newest version wins (`newerPrices`), in
 * two statements whatever the chunk's size. An unusable event throws a PermanentEventError: the chunk
 * rolls back and the runtime splits it down to that event, which it dead-letters. Returns the prices
 * that changed.
 */
export async function recordCatalogPrices(
  tx: OrderTx,
  events: readonly CatalogPriceSet[],
): Promise<CatalogPrice[]> {
  for (const e of events) {
    const problem = unusablePrice(e);
    if (problem !== undefined)
      throw new PermanentEventError('INVALID_EVENT', `catalog_price_set ${priceKey(e)} refused: ${problem}`);
  }
  const rows = await tx.$queryRawUnsafe<{ sku: string; currency: string; version: string }[]>(
    STORED_VERSIONS,
    events.map((e) => e.sku),
    events.map((e) => e.currency),
  );
  const stored = new Map(
    rows.map((r) => [priceKey({ sku: r.sku, currency: r.currency.trim() }), Number(r.version)]),
  );
  const prices = newerPrices(stored, events);
  if (prices.length === 0) return prices;
  await tx.$executeRawUnsafe(
    RECORD_PRICES,
    prices.map((p) => p.sku),
    prices.map((p) => p.currency),
    prices.map((p) => String(p.unitPriceMinor)),
    prices.map((p) => String(p.version)),
    prices.map((p) => p.setAt),
  );
  return prices;
}

/** The catalog's subscription: catalog_price_set into the read model (the generated validator runs first). */
export function catalogSubscription(registry: SchemaRegistryClient): Subscription<OrderTx> {
  return onBatch(catalogPriceSet, registry, async (items, tx) => {
    const changed = await recordCatalogPrices(
      tx,
      items.map((i) => i.event),
    );
    // What every later order is charged: worth a line per change (prices change rarely).
    if (changed.length > 0)
      items[0]?.ctx.log.info(
        { prices: changed.map((p) => `${priceKey(p)}=${p.unitPriceMinor} v${p.version}`) },
        'catalog prices recorded',
      );
    return items.map(() => []);
  });
}
