// The catalog read model's rules, free of I/O: which catalog_price_set events are usable, and which of
// them change the model (the highest version of each SKU and currency wins, whatever the arrival order).
import type { CatalogPriceSet } from '@orderflow/contracts';
import { CURRENCY_PATTERN, MAX_UNIT_PRICE_MINOR, SKU_PATTERN } from '@orderflow/platform';

/** A price of the read model: what a catalog_price_set says, once recorded. */
export interface CatalogPrice {
  sku: string;
  currency: string;
  unitPriceMinor: number;
  version: number;
  setAt: Date;
}

/** The read model's key of a price: its SKU and currency (the topic's message key, `sku:currency`). */
export function priceKey(p: { sku: string; currency: string }): string {
  return `${p.sku}:${p.currency}`;
}

/**
 * Why the event can never be recorded (its consumer dead-letters it), or undefined when it is usable: a
 * SKU or currency the order API would never accept, a price outside 1 … MAX_UNIT_PRICE_MINOR, a version
 * below 1. The generated validator has already checked the types.
 */
export function unusablePrice(e: CatalogPriceSet): string | undefined {
  if (!SKU_PATTERN.test(e.sku)) return `sku ${JSON.stringify(e.sku)} is not a SKU the order API accepts`;
  if (!CURRENCY_PATTERN.test(e.currency))
    return `currency ${JSON.stringify(e.currency)} is not an ISO-4217 code`;
  if (
    !Number.isSafeInteger(e.unitPriceMinor) ||
    e.unitPriceMinor < 1 ||
    e.unitPriceMinor > MAX_UNIT_PRICE_MINOR
  )
    return `unitPriceMinor ${e.unitPriceMinor} is outside 1 … ${MAX_UNIT_PRICE_MINOR}`;
  if (!Number.isSafeInteger(e.version) || e.version < 1)
    return `version ${e.version} is not a positive integer`;
  return undefined;
}

/**
 * The prices to write for a chunk of events, given the versions the model holds (by {@link priceKey}):
 * per SKU and currency, the event of the highest version, when it is higher than the stored one. An
 * older, equal (a duplicate or replay) or superseded event changes nothing; of two events of one version,
 * the first is kept.
 */
export function newerPrices(
  stored: ReadonlyMap<string, number>,
  events: readonly CatalogPriceSet[],
): CatalogPrice[] {
  const newest = new Map<string, CatalogPrice>();
  for (const e of events) {
    const key = priceKey(e);
    const best = newest.get(key)?.version ?? stored.get(key) ?? 0;
    if (e.version > best)
      newest.set(key, {
        sku: e.sku,
        currency: e.currency,
        unitPriceMinor: e.unitPriceMinor,
        version: e.version,
        setAt: e.occurredAt,
      });
  }
  return [...newest.values()];
}
