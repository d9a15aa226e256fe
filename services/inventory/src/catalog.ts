// The catalog's table (sku_prices) as the seed and the price route write it: every price that changed
// is published as catalog_price_set through the outbox, in the transaction that changed it.
import type { CatalogPriceSet } from '@orderflow/contracts';
import {
  enqueueOutgoing,
  newId,
  outgoing,
  wakeOutboxRelays,
  type EventCodec,
  type EventHeaders,
} from '@orderflow/platform';
import type { Tx } from './db';
import { catalogPriceSet, fromRow, type CatalogPrice, type PriceRow } from './setting-prices/decide';

/** The columns of sku_prices a statement returns, as {@link PriceRow} reads them. */
export const PRICE_COLUMNS = `"sku", "currency"::text AS "currency", "unit_price_minor"::text AS "unit_price_minor", "version"::text AS "version", "updated_at"`;

/**
 * Enqueues one catalog_price_set per changed price in `tx` (one INSERT for all) and wakes this process's
 * relay once `tx` committed. Returns the prices as stored.
 */
export async function publishPrices(
  tx: Tx,
  codec: EventCodec<CatalogPriceSet>,
  rows: readonly PriceRow[],
  headers: EventHeaders,
): Promise<CatalogPrice[]> {
  const prices = rows.map(fromRow);
  if (prices.length === 0) return prices;
  await enqueueOutgoing(tx, [
    { events: prices.map((p) => outgoing(codec, catalogPriceSet(p, newId()))), headers },
  ]);
  tx.afterCommit(wakeOutboxRelays);
  return prices;
}
