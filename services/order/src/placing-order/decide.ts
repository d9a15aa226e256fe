// Pure rules of placing an order: pricing every line from the catalog (never from the client), the
// total, and the Idempotency-Key fingerprint of a request.
import { createHash } from 'node:crypto';
import { ApiError, MAX_LISTED_ERRORS } from '@orderflow/platform';

/** The request body of POST /orders once it has passed the OpenAPI schema. */
export interface PlaceOrder {
  customer: { id: string; email: string; name?: string };
  /** `unitPriceMinor`: the price the client expects, if any; the catalog's price is charged. */
  lines: { sku: string; quantity: number; unitPriceMinor?: number }[];
  currency: string;
  paymentToken?: string;
}

/** A line priced from the catalog. */
export interface PricedLine {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
}

/** A line whose sent price is not the catalog's (POST /orders' 409 lists them as `priceChanges`). */
export interface PriceChange {
  /** The line's price as a JSON pointer into the request, e.g. /lines/0/unitPriceMinor. */
  path: string;
  sku: string;
  currency: string;
  sentUnitPriceMinor: number;
  currentUnitPriceMinor: number;
}

/** The outcome of pricing a request: its priced lines and total, or why it cannot be placed. */
export type Pricing =
  | { kind: 'priced'; lines: PricedLine[]; amountMinor: number }
  | { kind: 'not-priced'; currency: string; unpriced: { path: string; sku: string }[] }
  | { kind: 'price-changed'; changes: PriceChange[] };

/** Sum of quantity × unitPriceMinor in minor units (exact: the schema's bounds keep it below 2^53). */
export function orderTotal(lines: readonly { quantity: number; unitPriceMinor: number }[]): number {
  return lines.reduce((sum, l) => sum + l.quantity * l.unitPriceMinor, 0);
}

/**
 * Prices every line of `request` from `catalog` (the catalog's unit price of each SKU in the request's
 * currency; a SKU it does not hold has no price): every SKU needs a price (else `not-priced`, naming
 * each such line), and a price the client sent must be the catalog's (else `price-changed`, naming each
 * such line with both prices). Otherwise the lines carry the catalog's prices and the total is theirs.
 */
export function priceOrder(
  request: Pick<PlaceOrder, 'lines' | 'currency'>,
  catalog: ReadonlyMap<string, number>,
): Pricing {
  const { currency } = request;
  const unpriced: { path: string; sku: string }[] = [];
  const changes: PriceChange[] = [];
  const lines: PricedLine[] = [];
  request.lines.forEach((line, i) => {
    const price = catalog.get(line.sku);
    if (price === undefined) {
      unpriced.push({ path: `/lines/${i}/sku`, sku: line.sku });
      return;
    }
    const sent = line.unitPriceMinor;
    if (sent !== undefined && sent !== price)
      changes.push({
        path: `/lines/${i}/unitPriceMinor`,
        sku: line.sku,
        currency,
        sentUnitPriceMinor: sent,
        currentUnitPriceMinor: price,
      });
    lines.push({ sku: line.sku, quantity: line.quantity, unitPriceMinor: price });
  });
  if (unpriced.length > 0) return { kind: 'not-priced', currency, unpriced };
  if (changes.length > 0) return { kind: 'price-changed', changes };
  return { kind: 'priced', lines, amountMinor: orderTotal(lines) };
}

/** The problem a refused pricing answers with: 422 SKU_NOT_PRICED or 409 PRICE_CHANGED, naming each line. */
export function pricingRefused(pricing: Exclude<Pricing, { kind: 'priced' }>): ApiError {
  if (pricing.kind === 'not-priced') {
    const skus = [...new Set(pricing.unpriced.map((u) => u.sku))];
    return new ApiError(
      'SKU_NOT_PRICED',
      `no price in ${pricing.currency} for ${skus.join(', ')}: the catalog prices every line, and it has none for ${skus.length === 1 ? 'this SKU' : 'these SKUs'} in this currency`,
      {
        errors: pricing.unpriced.map((u) => ({
          path: u.path,
          message: `has no price in ${pricing.currency}`,
        })),
      },
    );
  }
  const { changes } = pricing;
  return new ApiError(
    'PRICE_CHANGED',
    `${changes.length === 1 ? 'a line is' : `${changes.length} lines are`} priced differently in the catalog: ${changes
      .map((c) => `${c.sku} is ${c.currentUnitPriceMinor}, not ${c.sentUnitPriceMinor}`)
      .join('; ')} (${changes[0]!.currency} minor units); send the current price, or none`,
    {
      errors: changes.map((c) => ({
        path: c.path,
        message: `sent ${c.sentUnitPriceMinor}, the catalog's price is ${c.currentUnitPriceMinor}`,
      })),
      // Capped like `errors`: the answer stays a few KB whatever the request held.
      priceChanges: changes.slice(0, MAX_LISTED_ERRORS),
    },
  );
}

// Key order must not matter: `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same request.
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A stable hash of a request body: equal for the same JSON content whatever its key order or spacing. */
export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('hex');
}
