// What the fault suites add to the e2e harness (tests/e2e/support): read-only queries on every
// service's own database (to count effects: payments, refunds, reservations, notifications), placing
// many orders at once, waiting for a batch of orders to finish, and collapsing topic traffic into
// logical events (at-least-once delivery may repeat an eventId; it must never repeat an effect).
import pg from 'pg';
import type { ApiCreateOrderRequest, ApiOrder } from '@orderflow/contracts';
import { decodeSagaMessage, placeOrderThroughShedding, type SagaMessage } from '../../e2e/support/saga';
import { serviceDatabaseUrl } from '@orderflow/platform/postgres';

/** A service whose database a fault test inspects. */
export type DbOwner = 'order' | 'payment' | 'inventory' | 'notification';

const pools = new Map<DbOwner, pg.Pool>();

/** Runs one query on `owner`'s own database (orderflow_<owner> on the shared server). */
export async function dbQuery<T extends pg.QueryResultRow>(
  owner: DbOwner,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  let pool = pools.get(owner);
  if (!pool) {
    pool = new pg.Pool({
      connectionString: serviceDatabaseUrl(owner),
      max: 2,
    });
    // Fault cases restart PostgreSQL: a lost idle connection is reconnected by the pool, not a crash.
    pool.on('error', () => undefined);
    pools.set(owner, pool);
  }
  return (await pool.query<T>(sql, values)).rows;
}

/** Closes the pools dbQuery opened (call in afterAll). */
export async function closeDbs(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.end()));
  pools.clear();
}

/**
 * Places every request at once (at most `parallel` in flight); returns the orders in request order. A burst
 * may be shed (503 + Retry-After) on a slow machine: those are retried with their Idempotency-Key, as a
 * client would, so every request ends as exactly one order.
 */
export async function placeAll(
  requests: readonly ApiCreateOrderRequest[],
  parallel = requests.length,
): Promise<ApiOrder[]> {
  const out: ApiOrder[] = new Array<ApiOrder>(requests.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const i = next++;
      out[i] = await placeOrderThroughShedding(requests[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, requests.length) }, worker));
  return out;
}

/** An order's final state as the order service stores it. */
export interface FinalRow {
  id: string;
  status: string;
  notified: boolean;
  refunded: boolean;
}

/**
 * Waits until every order is over: notified of a terminal status and, when cancelled, its refund
 * recorded on the timeline. Reads the order database in one query per poll (100 GETs per poll would
 * load the very service under test); throws naming the stragglers on timeout.
 */
export async function waitAllFinal(ids: readonly string[], timeoutMs: number): Promise<FinalRow[]> {
  const end = Date.now() + timeoutMs;
  let rows: FinalRow[] = [];
  for (;;) {
    rows = await dbQuery<FinalRow>(
      'order',
      `SELECT o.id::text AS id, o.status::text AS status, o.notified_at IS NOT NULL AS notified,
              EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.type = 'payment_refunded') AS refunded
         FROM orders o WHERE o.id = ANY($1::uuid[])`,
      [ids],
    );
    const over = rows.filter(
      (r) =>
        r.notified &&
        ['CONFIRMED', 'PAYMENT_FAILED', 'CANCELLED'].includes(r.status) &&
        (r.status !== 'CANCELLED' || r.refunded),
    );
    if (over.length === ids.length) return rows;
    if (Date.now() > end) {
      const stuck = rows.filter((r) => !over.includes(r)).slice(0, 5);
      throw new Error(
        `${ids.length - over.length} of ${ids.length} orders not final after ${timeoutMs} ms, e.g. ${JSON.stringify(stuck)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Counts of `rows` by `key`, e.g. statuses. */
export function countBy<T>(rows: readonly T[], key: (row: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[key(r)] = (out[key(r)] ?? 0) + 1;
  return out;
}

/** Topic traffic per (order, topic): the distinct eventIds (logical events) and the raw deliveries. */
export interface LogicalEvents {
  /** `${orderId} ${topic}` → distinct eventIds. */
  eventIds: Map<string, Set<string>>;
  /** Messages that repeated an eventId already seen (at-least-once redelivery by a relay). */
  redeliveries: number;
  /** Messages left out because no running service's outbox holds their eventId. */
  foreign: number;
  /** Where the first few foreign messages sit (`topic[partition]@offset`), for failure messages. */
  foreignAt: string[];
}

/** The eventIds the four running services' outboxes hold for these orders (what they published). */
export async function ownEventIds(orderIds: readonly string[]): Promise<Set<string>> {
  const owners: DbOwner[] = ['order', 'payment', 'inventory', 'notification'];
  const rows = await Promise.all(
    owners.map((o) =>
      dbQuery<{ event_id: string }>(o, 'SELECT event_id::text FROM outbox WHERE key = ANY($1::text[])', [
        orderIds,
      ]),
    ),
  );
  return new Set(rows.flat().map((r) => r.event_id));
}

/**
 * Decodes every message and groups its eventId by (key, topic). With `own`, messages whose eventId is
 * not in it are counted as `foreign` and left out: service int tests run extra instances (own consumer
 * group, scratch database) that read and write the same topics, and their events are not ours to count.
 */
export async function logicalEvents(
  messages: readonly SagaMessage[],
  own?: ReadonlySet<string>,
): Promise<LogicalEvents> {
  const eventIds = new Map<string, Set<string>>();
  let redeliveries = 0;
  let foreign = 0;
  const foreignAt: string[] = [];
  for (const m of messages) {
    const { event } = await decodeSagaMessage(m);
    if (own && !own.has(event.eventId)) {
      foreign++;
      if (foreignAt.length < 5) foreignAt.push(`${m.topic}[${m.partition}]@${m.offset}`);
      continue;
    }
    const k = `${event.orderId} ${m.topic}`;
    const set = eventIds.get(k) ?? new Set<string>();
    if (set.has(event.eventId)) redeliveries++;
    set.add(event.eventId);
    eventIds.set(k, set);
  }
  return { eventIds, redeliveries, foreign, foreignAt };
}

/** The number of logical events (distinct eventIds) of `topic` for `orderId`. */
export function logicalCount(events: LogicalEvents, orderId: string, topic: string): number {
  return events.eventIds.get(`${orderId} ${topic}`)?.size ?? 0;
}

/**
 * Explains foreign events: other processes (service int tests run their own instances on scratch
 * databases and their own consumer groups) consume and publish on the shared saga topics, and our
 * services act on what they publish. A fault test cannot judge our services while that happens.
 */
export function foreignReport(events: LogicalEvents): string {
  return events.foreign === 0
    ? 'none'
    : `${events.foreign} event(s) for these orders were published by a process that is not one of the four services (no service outbox holds their eventId), e.g. ${events.foreignAt.join(', ')}: another test run (service int tests) shares the saga topics; rerun when it is done`;
}
