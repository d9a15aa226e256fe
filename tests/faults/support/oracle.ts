// The one oracle every fault case asserts after quiescence:
// - every accepted order has exactly one final state and is completed (notified);
// - at most one payment, reservation, refund and notification per order;
// - nothing left unpublished in any service's outbox;
// - consumer lag 0 for the four services' groups on every saga topic;
// - the dead-letter topics hold exactly what the case expected for its orders.
// And a load generator that keeps placing orders through a fault, as a well-behaved client would:
// a POST that fails (503 while the database restarts, a refused connection) is retried with the same
// Idempotency-Key, so an order is either accepted once or not at all.
import { randomUUID } from 'node:crypto';
import { topicTable, type ApiCreateOrderRequest } from '@orderflow/contracts';
import { ORDER_API } from '../../e2e/support/saga';
import { probeKafka } from '../../support/topic-probe';
import { dbQuery, type FinalRow } from './fault-kit';
import { bearer } from '../../support/auth';

/** Statuses an order ends in. */
export const FINAL_STATUSES = ['CONFIRMED', 'PAYMENT_FAILED', 'CANCELLED', 'EXPIRED'] as const;

const GROUPS = ['order', 'payment', 'inventory', 'notification'] as const;
/** Each service's consumer group (the order service's is ORDER_CONSUMER_GROUP, default order-service). */
const GROUP_ID: Record<(typeof GROUPS)[number], string> = {
  order: 'order-service',
  payment: 'payment',
  inventory: 'inventory',
  notification: 'notification',
};

/** What the oracle found; every field is asserted by `expectOracle`. */
export interface OracleReport {
  orders: number;
  byStatus: Record<string, number>;
  /** Orders not final (or not notified) when the oracle gave up waiting. */
  unfinished: FinalRow[];
  /** Orders with more than one payment, reservation, refund or notification. */
  duplicates: { orderId: string; effect: string; count: number }[];
  /** Unpublished outbox rows of these orders, per service. */
  unpublished: Record<string, number>;
  /** Consumer lag per group (sum over the saga topics' partitions). */
  lag: Record<string, number>;
  /** Keys (order ids) of these orders found on each `<topic>.DLT`. */
  deadLettered: Record<string, string[]>;
  /** Seconds from `since` until every order was final. */
  secondsToQuiescence: number;
}

async function finals(ids: readonly string[]): Promise<FinalRow[]> {
  return dbQuery<FinalRow>(
    'order',
    `SELECT o.id::text AS id, o.status::text AS status, o.notified_at IS NOT NULL AS notified,
            EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.type = 'payment_refunded') AS refunded
       FROM orders o WHERE o.id = ANY($1::uuid[])`,
    [ids],
  );
}

const isOver = (r: FinalRow): boolean =>
  r.notified &&
  (FINAL_STATUSES as readonly string[]).includes(r.status) &&
  (r.status !== 'CANCELLED' || r.refunded);

async function duplicateEffects(ids: readonly string[]): Promise<OracleReport['duplicates']> {
  const checks: [effect: string, owner: 'payment' | 'inventory' | 'notification', sql: string][] = [
    [
      'payment',
      'payment',
      'SELECT order_id::text AS id, count(*)::int AS n FROM payments WHERE order_id = ANY($1::uuid[]) GROUP BY 1',
    ],
    [
      'refund',
      'payment',
      'SELECT order_id::text AS id, count(*)::int AS n FROM refunds WHERE order_id = ANY($1::uuid[]) GROUP BY 1',
    ],
    [
      'reservation',
      'inventory',
      'SELECT order_id::text AS id, count(*)::int AS n FROM reservations WHERE order_id = ANY($1::uuid[]) GROUP BY 1',
    ],
    [
      'notification',
      'notification',
      'SELECT order_id::text AS id, count(*)::int AS n FROM notifications WHERE order_id = ANY($1::uuid[]) GROUP BY 1',
    ],
  ];
  const out: OracleReport['duplicates'] = [];
  for (const [effect, owner, sql] of checks) {
    for (const row of await dbQuery<{ id: string; n: number }>(owner, sql, [ids]))
      if (row.n > 1) out.push({ orderId: row.id, effect, count: row.n });
  }
  return out;
}

async function unpublished(ids: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const owner of GROUPS) {
    const [row] = await dbQuery<{ n: number }>(
      owner,
      'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL AND key = ANY($1::text[])',
      [ids],
    );
    out[owner] = row?.n ?? 0;
  }
  return out;
}

/** Committed-offset lag of each service's group on the topics it consumes (0 = caught up). */
export async function consumerLag(): Promise<Record<string, number>> {
  const admin = probeKafka().admin();
  await admin.connect();
  try {
    const out: Record<string, number> = {};
    for (const group of GROUPS) {
      const topics = topicTable
        .filter((t) => (t.consumers as readonly string[]).includes(group))
        .map((t) => t.topic);
      let lag = 0;
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: GROUP_ID[group], topics: [topic] });
        for (const end of ends) {
          const c = committed?.partitions.find((p) => p.partition === end.partition);
          const at = c === undefined || c.offset === '-1' ? Number(end.low) : Number(c.offset);
          lag += Number(end.high) - at;
        }
      }
      out[group] = lag;
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Order ids found as keys on each saga topic's DLT since `sinceMs` (only the given ids). */
export async function deadLettered(
  ids: ReadonlySet<string>,
  sinceMs: number,
): Promise<Record<string, string[]>> {
  const kafka = probeKafka();
  const admin = kafka.admin();
  await admin.connect();
  const out: Record<string, string[]> = {};
  try {
    for (const { topic } of topicTable) {
      const dlt = `${topic}.DLT`;
      const offsets = await admin.fetchTopicOffsetsByTimestamp(dlt, sinceMs);
      const ends = await admin.fetchTopicOffsets(dlt);
      const want = ends.reduce(
        (n, e) =>
          n + Number(e.high) - Number(offsets.find((o) => o.partition === e.partition)?.offset ?? e.high),
        0,
      );
      const keys: string[] = [];
      if (want > 0) {
        const consumer = kafka.consumer({ groupId: `oracle-${randomUUID()}` });
        await consumer.connect();
        await consumer.subscribe({ topics: [dlt] });
        let seen = 0;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, 20_000);
          consumer
            .run({
              eachMessage: ({ message }) => {
                seen++;
                const key = message.key?.toString() ?? '';
                if (ids.has(key)) keys.push(key);
                if (seen >= want) {
                  clearTimeout(timer);
                  resolve();
                }
                return Promise.resolve();
              },
            })
            .catch(reject);
          for (const o of offsets) consumer.seek({ topic: dlt, partition: o.partition, offset: o.offset });
        });
        await consumer.disconnect();
      }
      out[topic] = keys.sort();
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits (up to `timeoutMs`) until every order is final and everything is published and consumed, then
 * reports what it found. It does not throw: `expectOracle` turns the report into assertions, so a
 * failure names every broken property at once.
 */
export async function sagaOracle(
  ids: readonly string[],
  opts: { since: number; timeoutMs: number },
): Promise<OracleReport> {
  const end = Date.now() + opts.timeoutMs;
  let rows: FinalRow[] = [];
  let quiet = false;
  let lag: Record<string, number> = {};
  let left: Record<string, number> = {};
  while (Date.now() < end) {
    rows = await finals(ids);
    if (rows.length === ids.length && rows.every(isOver)) {
      left = await unpublished(ids);
      lag = await consumerLag();
      if (Object.values(left).every((n) => n === 0) && Object.values(lag).every((n) => n === 0)) {
        quiet = true;
        break;
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const secondsToQuiescence = (Date.now() - opts.since) / 1000;
  if (!quiet) {
    left = await unpublished(ids);
    lag = await consumerLag();
  }
  const byStatus: Record<string, number> = {};
  for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  return {
    orders: ids.length,
    byStatus,
    unfinished: rows
      .filter((r) => !isOver(r))
      .concat(
        ids
          .filter((id) => !rows.some((r) => r.id === id))
          .map((id) => ({ id, status: 'MISSING', notified: false, refunded: false })),
      ),
    duplicates: await duplicateEffects(ids),
    unpublished: left,
    lag,
    deadLettered: await deadLettered(new Set(ids), opts.since),
    secondsToQuiescence,
  };
}

/** Asserts every property of the oracle; `dlt` is what each DLT must hold for these orders (default: nothing). */
export function expectOracle(report: OracleReport, dlt: Record<string, string[]> = {}): void {
  const expectedDlt = Object.fromEntries(
    topicTable.map(({ topic }) => [topic, [...(dlt[topic] ?? [])].sort()]),
  );
  expect({
    unfinished: report.unfinished.slice(0, 5),
    duplicates: report.duplicates.slice(0, 5),
    unpublished: report.unpublished,
    lag: report.lag,
    deadLettered: report.deadLettered,
  }).toEqual({
    unfinished: [],
    duplicates: [],
    unpublished: { order: 0, payment: 0, inventory: 0, notification: 0 },
    lag: { order: 0, payment: 0, inventory: 0, notification: 0 },
    deadLettered: expectedDlt,
  });
}

/** A client placing orders at a steady rate through a fault; a failed POST is retried with its Idempotency-Key. */
export class LoadGenerator {
  readonly accepted: string[] = [];
  /** When each order was accepted (ms since the epoch): cases that split orders by phase read it. */
  readonly acceptedAt = new Map<string, number>();
  /** POST attempts that failed and were retried (503s, refused connections…). */
  retries = 0;
  /** Statuses of failed attempts, e.g. { 503: 12, network: 3 }. */
  readonly failures: Record<string, number> = {};
  private readonly errors: unknown[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly request: (i: number) => ApiCreateOrderRequest,
    private readonly perSecond: number,
  ) {}

  /** Starts placing orders. */
  start(): void {
    this.running = true;
    this.loop = (async () => {
      for (let i = 0; this.running; i++) {
        const p = this.place(this.request(i))
          .catch((err: unknown) => void this.errors.push(err))
          .finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
        await new Promise((r) => setTimeout(r, 1000 / this.perSecond));
      }
    })();
  }

  /** Stops placing new orders and waits until every order in flight is accepted. */
  async stop(): Promise<string[]> {
    this.running = false;
    await this.loop;
    await Promise.all([...this.inFlight]);
    if (this.errors.length > 0) throw this.errors[0];
    return this.accepted;
  }

  private async place(body: ApiCreateOrderRequest): Promise<void> {
    const key = randomUUID();
    const giveUp = Date.now() + 240_000;
    for (;;) {
      let outcome: string;
      try {
        const res = await fetch(`${ORDER_API}/orders`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': key,
            ...(await bearer(body.customer.id)),
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        // 201 created; 200 the same order again (an earlier attempt was accepted but its answer lost).
        if (res.status === 201 || res.status === 200) {
          const { id } = (await res.json()) as { id: string };
          if (!this.accepted.includes(id)) {
            this.accepted.push(id);
            this.acceptedAt.set(id, Date.now());
          }
          return;
        }
        outcome = String(res.status);
        await res.body?.cancel();
        // Only unavailability is worth retrying; anything else is a bug the test must see.
        if (res.status !== 503 && res.status !== 502) throw new Error(`POST /orders answered ${res.status}`);
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('POST /orders answered')) throw err;
        outcome = 'network';
      }
      this.failures[outcome] = (this.failures[outcome] ?? 0) + 1;
      this.retries++;
      if (Date.now() > giveUp) throw new Error(`POST /orders kept failing for 240 s (last: ${outcome})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
