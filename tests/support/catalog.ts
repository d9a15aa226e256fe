// The catalog as its users reach it, for the e2e and fault suites and the bench: an admin sets a SKU's
// price through the inventory's API (PUT /inventory/{sku}/prices/{currency}); the order service prices
// orders with it once its read model has caught up (catalog_price_set, consumed asynchronously). To know
// when, probe POST /orders with a price no catalog holds (0): 409 PRICE_CHANGED names the current price,
// 422 SKU_NOT_PRICED says there is none yet. A probe never creates an order.
import { adminHeaders, bearer } from './auth';

export const ORDER_API = 'http://localhost:8001';
export const INVENTORY_API = 'http://localhost:8003';
/** The customer the probes post as (their own rate-limit budget; they never create anything). */
const PROBE_CUSTOMER = 'catalog-probe';

/** A price as the inventory answers it. */
export interface CatalogPrice {
  sku: string;
  currency: string;
  unitPriceMinor: number;
  version: number;
  updatedAt: string;
}

/** Sets a known SKU's price in `currency` as an admin does; returns the price as stored (its version). */
export async function setPrice(
  sku: string,
  currency: string,
  unitPriceMinor: number,
  inventoryApi = INVENTORY_API,
): Promise<CatalogPrice> {
  const res = await fetch(
    `${inventoryApi}/inventory/${encodeURIComponent(sku)}/prices/${encodeURIComponent(currency)}`,
    {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(await adminHeaders()) },
      body: JSON.stringify({ unitPriceMinor }),
    },
  );
  if (!res.ok)
    throw new Error(`PUT /inventory/${sku}/prices/${currency} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as CatalogPrice;
}

/** The inventory's prices of a SKU, every currency (GET /inventory/{sku}/prices). */
export async function catalogPrices(sku: string, inventoryApi = INVENTORY_API): Promise<CatalogPrice[]> {
  const res = await fetch(`${inventoryApi}/inventory/${encodeURIComponent(sku)}/prices`, {
    headers: await bearer(PROBE_CUSTOMER),
  });
  if (!res.ok) throw new Error(`GET /inventory/${sku}/prices answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { prices: CatalogPrice[] }).prices;
}

/** The inventory's price of a SKU in one currency (throws when it has none). */
export async function catalogPrice(
  sku: string,
  currency = 'EUR',
  inventoryApi = INVENTORY_API,
): Promise<number> {
  const price = (await catalogPrices(sku, inventoryApi)).find((p) => p.currency === currency);
  if (!price) throw new Error(`${sku} has no ${currency} price in the catalog`);
  return price.unitPriceMinor;
}

/**
 * The unit price the order service would charge for `sku` in `currency` now, or undefined when it has
 * none (yet); busy answers (429, 503) are undefined too, so a caller polls again.
 */
export async function orderServicePrice(
  sku: string,
  currency: string,
  orderApi = ORDER_API,
): Promise<number | undefined> {
  const res = await fetch(`${orderApi}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await bearer(PROBE_CUSTOMER)) },
    body: JSON.stringify({
      customer: { id: PROBE_CUSTOMER, email: 'probe@example.com' },
      lines: [{ sku, quantity: 1, unitPriceMinor: 0 }],
      currency,
    }),
  });
  const text = await res.text();
  if (res.status === 409) {
    const problem = JSON.parse(text) as { priceChanges?: { currentUnitPriceMinor: number }[] };
    return problem.priceChanges?.[0]?.currentUnitPriceMinor;
  }
  if (res.status === 422 || res.status === 429 || res.status === 503) return undefined;
  throw new Error(`the price probe POST /orders (${sku}, ${currency}) answered ${res.status}: ${text}`);
}

/**
 * Waits until the order service prices `sku` in `currency` at `unitPriceMinor` (its read model caught up
 * with the catalog); throws with what it last saw after `timeoutMs`.
 */
export async function waitForOrderPrice(
  sku: string,
  currency: string,
  unitPriceMinor: number,
  { timeoutMs = 30_000, orderApi = ORDER_API }: { timeoutMs?: number; orderApi?: string } = {},
): Promise<void> {
  const end = Date.now() + timeoutMs;
  let seen: number | undefined;
  for (;;) {
    seen = await orderServicePrice(sku, currency, orderApi);
    if (seen === unitPriceMinor) return;
    if (Date.now() > end)
      throw new Error(
        `the order service prices ${sku} in ${currency} at ${seen ?? 'nothing'}, not ${unitPriceMinor}, after ${timeoutMs} ms: ` +
          'is the order service consuming catalog_price_set, and the inventory running a version that publishes it? ' +
          '(A stack started before the topic existed needs `npm run stack -- up` to create it, then the services restarted.)',
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Sets a SKU's price as an admin and waits until the order service charges it (see waitForOrderPrice). */
export async function priceSku(
  sku: string,
  unitPriceMinor: number,
  currency = 'EUR',
  opts: { timeoutMs?: number; orderApi?: string; inventoryApi?: string } = {},
): Promise<CatalogPrice> {
  const price = await setPrice(sku, currency, unitPriceMinor, opts.inventoryApi);
  await waitForOrderPrice(sku, currency, unitPriceMinor, opts);
  return price;
}

/**
 * Waits until the order service charges every price the inventory holds for `skus` (e.g. the seeded ones,
 * published at the inventory's start-up while the order service may still be catching up).
 */
export async function waitForCatalog(
  skus: readonly string[],
  opts: { timeoutMs?: number } = {},
): Promise<void> {
  for (const sku of skus) {
    const prices = await catalogPrices(sku);
    if (prices.length === 0)
      throw new Error(`the inventory holds no price for ${sku}: is it running a version that seeds prices?`);
    for (const p of prices)
      await waitForOrderPrice(sku, p.currency, p.unitPriceMinor, { timeoutMs: opts.timeoutMs ?? 60_000 });
  }
}
