// The order mix of the saga benchmark: what real traffic carries besides the happy path. Declines
// (the payment simulator's test tokens), orders for scarce SKUs that run out and are cancelled and
// refunded, multi-line orders, and Idempotency-Keys, some retried. Deterministic for a seed, so two
// runs offer the same work.
import type { ApiCreateOrderRequest } from '@orderflow/contracts';

/** Shares of the mix (fractions of arrivals). */
export interface MixShares {
  /** Orders paid with a declining test token (→ PAYMENT_FAILED). */
  declined: number;
  /** Orders with a line on a scarce SKU (→ CONFIRMED while stock lasts, then CANCELLED and refunded). */
  scarce: number;
  /** Orders with 2–4 lines (on distinct SKUs). */
  multiLine: number;
  /** Orders carrying an Idempotency-Key. */
  withKey: number;
  /** Of the keyed orders: sent again with the same key after the first answer (a client retry). */
  retried: number;
  /** Of the keyed orders: sent twice at once with the same key (a double click). */
  doubled: number;
}

/** The default mix. */
export const DEFAULT_MIX: MixShares = {
  declined: 0.1,
  scarce: 0.05,
  multiLine: 0.3,
  withKey: 0.5,
  retried: 0.1,
  doubled: 0.04,
};

/** The payment simulator's declining tokens (services/payment/src/capturing-payment/simulator.ts). */
export const DECLINING_TOKENS = ['tok_decline', 'tok_insufficient_funds', 'tok_limit'] as const;

/** What the benchmark expects of an order, from how it was built. */
export type Expectation = 'CONFIRMED' | 'PAYMENT_FAILED' | 'CONFIRMED_OR_CANCELLED';

/** One arrival: the request, its key and duplicates, and the expected outcome. */
export interface PlannedOrder {
  index: number;
  body: ApiCreateOrderRequest;
  idempotencyKey?: string;
  /** 'retry': sent again after the first answer; 'double': sent twice at once. */
  duplicate?: 'retry' | 'double';
  expect: Expectation;
}

/** The SKUs of one run: plentiful ones, and a few scarce ones whose stock runs out, with their prices. */
export interface SkuSet {
  plentiful: string[];
  scarce: string[];
  /** Each SKU's EUR unit price (minor units), which the bench sets in the catalog before the runs. */
  prices: ReadonlyMap<string, number>;
}

/** SKU names for a run prefix: `plentiful` stocked high, `scarce` stocked low; prices from 1.00 to 99.99. */
export function skuSet(prefix: string, plentiful: number, scarce: number): SkuSet {
  const names = {
    plentiful: Array.from({ length: plentiful }, (_, i) => `${prefix}-P${i}`),
    scarce: Array.from({ length: scarce }, (_, i) => `${prefix}-S${i}`),
  };
  const all = [...names.plentiful, ...names.scarce];
  return { ...names, prices: new Map(all.map((sku, i) => [sku, 100 + ((i * 7_919) % 9_900)])) };
}

/** A small deterministic PRNG (mulberry32): uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Builds arrival `index` of run `runTag` (unique per rate and repetition) from the random stream. */
export function planOrder(
  index: number,
  runTag: string,
  skus: SkuSet,
  random: () => number,
  mix: MixShares = DEFAULT_MIX,
): PlannedOrder {
  const declined = random() < mix.declined;
  const scarce = random() < mix.scarce;
  const lineCount = random() < mix.multiLine ? 2 + Math.floor(random() * 3) : 1;
  const chosen = new Set<string>();
  if (scarce) chosen.add(skus.scarce[Math.floor(random() * skus.scarce.length)]!);
  // Bounded: at most lineCount + 20 draws, then whatever distinct SKUs were found.
  for (let tries = 0; chosen.size < lineCount && tries < lineCount + 20; tries++)
    chosen.add(skus.plentiful[Math.floor(random() * skus.plentiful.length)]!);
  // No price: the order service charges the catalog's (skus.prices, set before the run).
  const lines = [...chosen].map((sku) => ({ sku, quantity: 1 + Math.floor(random() * 3) }));
  const body: ApiCreateOrderRequest = {
    customer: { id: `bench-${runTag}-${index}`, email: 'bench@example.com', name: 'Bench' },
    lines,
    currency: 'EUR',
  };
  if (declined) body.paymentToken = DECLINING_TOKENS[index % DECLINING_TOKENS.length]!;
  else if (random() < 0.5) body.paymentToken = 'tok_visa';
  const planned: PlannedOrder = {
    index,
    body,
    expect: declined ? 'PAYMENT_FAILED' : scarce ? 'CONFIRMED_OR_CANCELLED' : 'CONFIRMED',
  };
  if (random() < mix.withKey) {
    planned.idempotencyKey = `bench-${runTag}-${index}`;
    const d = random();
    if (d < mix.retried) planned.duplicate = 'retry';
    else if (d < mix.retried + mix.doubled) planned.duplicate = 'double';
  }
  return planned;
}

/** Whether an order's final status matches what the benchmark built it to do. */
export function meetsExpectation(expect: Expectation, status: string): boolean {
  if (expect === 'CONFIRMED_OR_CANCELLED') return status === 'CONFIRMED' || status === 'CANCELLED';
  return status === expect;
}

/** The statuses a saga ends in (OpenAPI `OrderStatus`: terminal ones). */
export const FINAL_STATUSES: ReadonlySet<string> = new Set([
  'CONFIRMED',
  'PAYMENT_FAILED',
  'CANCELLED',
  'EXPIRED',
]);
