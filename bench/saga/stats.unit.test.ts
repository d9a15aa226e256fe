// The rules the saga report applies, on fixed figures (no timing is asserted: benchmarks never are).
import { histogramTotals, parseLabels } from './metrics-text';
import { meetsExpectation, planOrder, prng, skuSet } from './mix';
import { parseCpuLine, parseProcStat, tickDeltas, type CpuSnapshot } from './cpu';
import {
  distribution,
  formatSpread,
  interleave,
  largest,
  maxRateForBudget,
  msPerSaga,
  percentile,
  slope,
  spread,
  trend,
  verdict,
} from './stats';

describe('percentiles and distributions', () => {
  it('uses the nearest rank', () => {
    const v = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(v, 50)).toBe(500);
    expect(percentile(v, 99.9)).toBe(999);
    expect(percentile([], 50)).toBeNaN();
  });

  it('gives p50, p90, p99, p99.9 and max', () => {
    const v = Array.from({ length: 1000 }, (_, i) => 1000 - i);
    expect(distribution(v)).toEqual({ count: 1000, p50: 500, p90: 900, p99: 990, p999: 999, max: 1000 });
    expect(distribution([])).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });

  it('takes the median and spread of repetitions', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
    expect(formatSpread(spread([3, 1, 2]))).toBe('2.0 (1.0–3.0)');
    expect(formatSpread(spread([7]))).toBe('7.0');
  });
});

describe('backlog trends and the verdict', () => {
  const series = (f: (t: number) => number) =>
    Array.from({ length: 31 }, (_, i) => ({ t: i * 2, v: f(i * 2) }));

  it('fits the slope', () => {
    expect(slope(series((t) => 3 * t + 5))).toBeCloseTo(3);
    expect(slope([{ t: 1, v: 5 }])).toBe(0);
  });

  it('calls a noisy but level backlog flat and a growing one not', () => {
    expect(
      trend(
        series((t) => (t % 4 === 0 ? 30 : 10)),
        150,
      ).flat,
    ).toBe(true);
    const growing = trend(
      series((t) => 10 * t),
      150,
    );
    expect(growing.flat).toBe(false);
    expect(growing.first).toBe(0);
    expect(growing.last).toBe(600);
  });

  it('calls a rate sustained only when every condition holds over 60 s', () => {
    const ok = {
      windowSeconds: 60,
      backlogsFlat: true,
      completedPerSec: 149,
      offeredPerSec: 150,
      failedArrivals: 0,
      unfinished: 0,
    };
    expect(verdict(ok).verdict).toBe('sustained');
    expect(verdict({ ...ok, windowSeconds: 15 }).verdict).toBe('flat, window too short');
    expect(verdict({ ...ok, backlogsFlat: false }).verdict).toBe('not sustained');
    expect(verdict({ ...ok, completedPerSec: 120 }).verdict).toBe('not sustained');
    expect(verdict({ ...ok, failedArrivals: 1 }).reasons[0]).toMatch(/shed/);
    expect(verdict({ ...ok, unfinished: 3 }).verdict).toBe('not sustained');
  });
});

describe('CPU budget arithmetic', () => {
  it('turns CPU seconds into ms per saga and a maximum rate', () => {
    expect(msPerSaga(3, 1000)).toBe(3);
    expect(msPerSaga(3, 0)).toBe(0);
    expect(maxRateForBudget(2, 6.7)).toBe(298);
    expect(maxRateForBudget(2, 0)).toBe(0);
    expect(largest({ order: 2, kafka: 5, redis: 0.1 })).toEqual({ name: 'kafka', value: 5 });
  });

  it('interleaves repetitions', () => {
    expect(interleave([50, 150], 2).map((s) => `${s.rate}/${s.repetition}`)).toEqual([
      '50/1',
      '150/1',
      '50/2',
      '150/2',
    ]);
  });
});

describe('/proc parsing', () => {
  it('reads utime+stime and start time past a comm with spaces and parentheses', () => {
    const line = '1234 (postgres: a (b)) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 777 0 0';
    expect(parseProcStat(line)).toEqual({ ticks: 300, start: 777 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });

  it('splits the machine into busy, steal and total', () => {
    expect(parseCpuLine('cpu  100 10 50 800 20 5 5 10 0 0')).toEqual({ busy: 170, steal: 10, total: 1000 });
  });

  it('counts deltas per component, a reused pid from zero, and never negative', () => {
    const snap = (pids: [number, string, number, number][]): CpuSnapshot => ({
      at: 0,
      machine: { busy: 0, steal: 0, total: 0 },
      pids: new Map(pids.map(([pid, component, ticks, start]) => [pid, { component, ticks, start }])),
    });
    const a = snap([
      [1, 'order', 100, 1],
      [2, 'postgres orderflow_order', 50, 1],
      [3, 'kafka', 500, 1],
    ]);
    const b = snap([
      [1, 'order', 130, 1],
      [2, 'postgres orderflow_order', 20, 9], // pid reused by a new backend
      [3, 'kafka', 500, 1],
      [4, 'postgres orderflow_order', 5, 10],
    ]);
    expect(Object.fromEntries(tickDeltas(a, b))).toEqual({
      order: 30,
      'postgres orderflow_order': 25,
      kafka: 0,
    });
  });
});

describe('metrics text', () => {
  const text = [
    '# TYPE orderflow_consumer_chunk_messages histogram',
    'orderflow_consumer_chunk_messages_bucket{le="1",topic="order_created"} 3',
    'orderflow_consumer_chunk_messages_sum{topic="order_created"} 120',
    'orderflow_consumer_chunk_messages_count{topic="order_created"} 10',
    'orderflow_consumer_chunk_messages_sum{topic="payment_failed"} 5',
    'orderflow_consumer_chunk_messages_count{topic="payment_failed"} 5',
    'orderflow_http_request_duration_seconds_sum{method="GET",route="/orders/:orderId"} 1.5',
    'orderflow_http_request_duration_seconds_count{method="GET",route="/orders/:orderId"} 30',
    'orderflow_http_request_duration_seconds_sum{method="GET",route="/metrics"} 9',
    'orderflow_http_request_duration_seconds_count{method="GET",route="/metrics"} 9',
  ].join('\n');

  it('sums a histogram over its label sets, or only the matching ones', () => {
    expect(histogramTotals(text, 'orderflow_consumer_chunk_messages')).toEqual({ sum: 125, count: 15 });
    expect(
      histogramTotals(text, 'orderflow_http_request_duration_seconds', {
        method: 'GET',
        route: '/orders/:orderId',
      }),
    ).toEqual({ sum: 1.5, count: 30 });
    expect(histogramTotals(text, 'absent')).toEqual({ sum: 0, count: 0 });
    expect(parseLabels('{a="x",b="y \\"q\\""}')).toEqual({ a: 'x', b: 'y "q"' });
  });
});

describe('the order mix', () => {
  const skus = skuSet('T', 60, 5);

  it('is deterministic for a seed and has every kind of order', () => {
    const plan = (seed: number) => {
      const r = prng(seed);
      return Array.from({ length: 2000 }, (_, i) => planOrder(i, 'run', skus, r));
    };
    expect(plan(7)).toEqual(plan(7));
    const orders = plan(7);
    const share = (f: (o: (typeof orders)[number]) => boolean) => orders.filter(f).length / orders.length;
    expect(share((o) => o.expect === 'PAYMENT_FAILED')).toBeGreaterThan(0.05);
    expect(share((o) => o.expect === 'CONFIRMED_OR_CANCELLED')).toBeGreaterThan(0.02);
    expect(share((o) => o.body.lines.length > 1)).toBeGreaterThan(0.2);
    expect(share((o) => o.idempotencyKey !== undefined)).toBeGreaterThan(0.4);
    expect(share((o) => o.duplicate === 'retry')).toBeGreaterThan(0.02);
    expect(share((o) => o.duplicate === 'double')).toBeGreaterThan(0.005);
    expect(new Set(orders.flatMap((o) => o.body.lines.map((l) => l.sku))).size).toBeGreaterThanOrEqual(50);
    for (const o of orders) {
      expect(new Set(o.body.lines.map((l) => l.sku)).size).toBe(o.body.lines.length);
      expect(o.body.lines.every((l) => l.unitPriceMinor === undefined)).toBe(true); // the catalog prices them
      const amount = o.body.lines.reduce((a, l) => a + l.quantity * skus.prices.get(l.sku)!, 0);
      expect(amount).toBeLessThan(1_000_000); // under the simulator's default limit: only tokens decline
    }
  });

  it('judges outcomes against how an order was built', () => {
    expect(meetsExpectation('CONFIRMED_OR_CANCELLED', 'CANCELLED')).toBe(true);
    expect(meetsExpectation('CONFIRMED', 'CANCELLED')).toBe(false);
    expect(meetsExpectation('PAYMENT_FAILED', 'PAYMENT_FAILED')).toBe(true);
  });
});
