// Pure statistics for the saga benchmark: percentiles, medians and spreads over repetitions, the
// slope that decides whether a backlog stays flat, and the CPU budget arithmetic. Nothing here reads
// a clock or the machine, so every rule the report applies is unit tested.

/** The p-th percentile (nearest rank) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return nearestRank(sorted, p);
}

function nearestRank(sorted: readonly number[], p: number): number {
  // (p × n) / 100, not (p / 100) × n: 99.9 / 100 × 1000 is 999.0000000000001 in floating point.
  const rank = Math.ceil((p * sorted.length) / 100);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** A latency distribution as the report prints it (ms). */
export interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** p50, p90, p99, p99.9 and max of `values` (sorted once), rounded to 0.1; zeros when empty. */
export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: round1(nearestRank(sorted, 50)),
    p90: round1(nearestRank(sorted, 90)),
    p99: round1(nearestRank(sorted, 99)),
    p999: round1(nearestRank(sorted, 99.9)),
    max: round1(sorted.at(-1)!),
  };
}

/** The median of repeated figures and their spread (min and max); NaN-free input expected. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Median (mean of the middle two for an even count), min and max of `values`. */
export function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { median: 0, min: 0, max: 0, n: 0 };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median: round2(median), min: round2(v[0]!), max: round2(v.at(-1)!), n: v.length };
}

/** "median (min–max)" for a Spread; just the value when there is one repetition. */
export function formatSpread(s: Spread, digits = 1): string {
  const f = (x: number): string => x.toFixed(digits);
  return s.n <= 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/** One sample of a series: seconds since the window began, and the value. */
export interface Point {
  t: number;
  v: number;
}

/** Least-squares slope of `points` (value per second); 0 with fewer than two distinct times. */
export function slope(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mv = points.reduce((a, p) => a + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.v - mv);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** How a backlog series (consumer lag, unpublished outbox rows) behaved over a window. */
export interface Trend {
  first: number;
  last: number;
  max: number;
  /** Least-squares growth per second. */
  slopePerSec: number;
  /** slopePerSec × the window: how much the backlog grew by the fitted line. */
  fittedGrowth: number;
  /** Allowed growth: a second and a half of arrivals, at least 20 messages. */
  tolerance: number;
  flat: boolean;
}

/**
 * Whether a backlog stays flat: its fitted growth over the window and its last-minus-first both stay
 * within a second and a half of arrivals (at least 20). Consumer lag is read from the group's committed
 * offsets, which consumers commit once a second, so it saw-tooths by up to a second of the group's
 * messages; a backlog that grows by less than that over a minute is that noise, one that grows faster
 * is a queue the system is not draining (an overloaded run grows by thousands).
 */
export function trend(points: readonly Point[], arrivalsPerSec: number): Trend {
  const tolerance = Math.max(20, Math.round(arrivalsPerSec * 1.5));
  if (points.length === 0)
    return { first: 0, last: 0, max: 0, slopePerSec: 0, fittedGrowth: 0, tolerance, flat: true };
  const s = slope(points);
  const span = points.at(-1)!.t - points[0]!.t;
  const first = points[0]!.v;
  const last = points.at(-1)!.v;
  const fittedGrowth = s * span;
  return {
    first,
    last,
    max: Math.max(...points.map((p) => p.v)),
    slopePerSec: round2(s),
    fittedGrowth: round1(fittedGrowth),
    tolerance,
    flat: fittedGrowth <= tolerance && last - first <= tolerance,
  };
}

/** The verdict on one rate: sustained only when every condition holds over a long enough window. */
export type Verdict = 'sustained' | 'not sustained' | 'flat, window too short';

/** Minimum window for calling a rate sustained (issue 8: flat over ≥ 60 s). */
export const SUSTAIN_MIN_SECONDS = 60;

/** What the verdict is computed from. */
export interface VerdictInput {
  windowSeconds: number;
  backlogsFlat: boolean;
  /** Completions (as the order view shows them) per second over the window, and the offered rate. */
  completedPerSec: number;
  offeredPerSec: number;
  /** Arrivals not served: shed by the in-flight cap, rejected, or failed POSTs. */
  failedArrivals: number;
  /** Accepted orders not completed by the end of the drain. */
  unfinished: number;
}

/** Sustained = backlogs flat, completions ≥ 95 % of arrivals, no failed arrival, nothing left unfinished, window ≥ 60 s. */
export function verdict(x: VerdictInput): { verdict: Verdict; reasons: string[] } {
  const reasons: string[] = [];
  if (!x.backlogsFlat) reasons.push('a consumer lag or outbox backlog grew');
  if (x.completedPerSec < 0.95 * x.offeredPerSec)
    reasons.push(`completions ${x.completedPerSec}/s < 95 % of ${x.offeredPerSec}/s offered`);
  if (x.failedArrivals > 0) reasons.push(`${x.failedArrivals} arrivals shed, rejected or failed`);
  if (x.unfinished > 0) reasons.push(`${x.unfinished} accepted orders not completed after the drain`);
  if (reasons.length > 0) return { verdict: 'not sustained', reasons };
  if (x.windowSeconds < SUSTAIN_MIN_SECONDS)
    return {
      verdict: 'flat, window too short',
      reasons: [`window ${Math.round(x.windowSeconds)} s < ${SUSTAIN_MIN_SECONDS} s`],
    };
  return { verdict: 'sustained', reasons: [] };
}

/** CPU milliseconds per saga from CPU-seconds used and sagas completed (0 when none completed). */
export function msPerSaga(cpuSeconds: number, sagas: number): number {
  return sagas > 0 ? round2((cpuSeconds * 1000) / sagas) : 0;
}

/** The highest saga rate a CPU budget of `cores` fully busy cores allows at `cpuMsPerSaga`. */
export function maxRateForBudget(cores: number, cpuMsPerSaga: number): number {
  return cpuMsPerSaga > 0 ? Math.floor((cores * 1000) / cpuMsPerSaga) : 0;
}

/** The largest entry of a figure map (e.g. CPU ms per saga by component), or undefined when empty. */
export function largest(
  figures: Readonly<Record<string, number>>,
): { name: string; value: number } | undefined {
  let best: { name: string; value: number } | undefined;
  for (const [name, value] of Object.entries(figures))
    if (best === undefined || value > best.value) best = { name, value };
  return best;
}

/** Interleaves repetitions: rates [a,b] × 2 → a,b,a,b (so drift over the run hits every rate alike). */
export function interleave(rates: readonly number[], repeat: number): { rate: number; repetition: number }[] {
  const plan: { rate: number; repetition: number }[] = [];
  for (let r = 1; r <= repeat; r++) for (const rate of rates) plan.push({ rate, repetition: r });
  return plan;
}

/** Sums the delta of two Prometheus _sum/_count pairs; mean per observation, 0 when nothing observed. */
export function histogramMean(
  before: { sum: number; count: number } | undefined,
  after: { sum: number; count: number } | undefined,
): { count: number; sum: number; mean: number } {
  const sum = (after?.sum ?? 0) - (before?.sum ?? 0);
  const count = (after?.count ?? 0) - (before?.count ?? 0);
  return { count, sum, mean: count > 0 ? round2(sum / count) : 0 };
}

/** Rounds to one decimal. */
export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Rounds to two decimals. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
