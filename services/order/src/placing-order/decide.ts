// Pure helpers for placing an order: the total and the Idempotency-Key fingerprint of a request.
import { createHash } from 'node:crypto';

/** The request body of POST /orders once it has passed the OpenAPI schema. */
export interface PlaceOrder {
  customer: { id: string; email: string; name?: string };
  lines: { sku: string; quantity: number; unitPriceMinor: number }[];
  currency: string;
  paymentToken?: string;
}

/** Sum of quantity × unitPriceMinor in minor units (exact: the schema's bounds keep it below 2^53). */
export function orderTotal(lines: readonly { quantity: number; unitPriceMinor: number }[]): number {
  return lines.reduce((sum, l) => sum + l.quantity * l.unitPriceMinor, 0);
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
