// Correctness after every rate, read from where the user and the services keep the truth: the order
// view, and each service's own database; the dead-letter topics; the outboxes. A benchmark whose
// orders went wrong measures nothing, so each check prints PASS or FAIL with what it found.
import { Topics } from '@orderflow/contracts';
import type { Admin, Kafka } from 'kafkajs';
import type { Arrival, DuplicateTally } from './generator';
import { FINAL_STATUSES, meetsExpectation } from './mix';
import { endOffsets, keysSince, type PgProbe } from './probes';

/** One check's outcome. */
export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

/** The dead-letter topics: `<topic>.DLT` for every topic of the table. */
export const DLT_TOPICS = Object.values(Topics).map((t) => `${t}.DLT`);

/** End offsets of the DLT topics, to compare after a run. */
export function dltPositions(admin: Admin): Promise<Record<string, Map<number, number>>> {
  return endOffsets(admin, DLT_TOPICS);
}

const sample = (xs: readonly string[]): string =>
  xs.length === 0 ? '' : `: ${xs.slice(0, 3).join(', ')}${xs.length > 3 ? ' …' : ''}`;

/** Runs every check for one rate's accepted orders. */
export async function runChecks(x: {
  arrivals: readonly Arrival[];
  duplicates: DuplicateTally;
  runTag: string;
  pg: PgProbe;
  kafka: Kafka;
  admin: Admin;
  dltBefore: Record<string, Map<number, number>>;
}): Promise<Check[]> {
  const checks: Check[] = [];
  const accepted = x.arrivals.filter((a) => a.orderId !== undefined);
  const ids = accepted.map((a) => a.orderId!);

  const notVisible = accepted.filter((a) => a.viewAt === undefined || !FINAL_STATUSES.has(a.status ?? ''));
  checks.push({
    name: 'every accepted order final and completed in GET /orders/{id}',
    pass: notVisible.length === 0,
    detail: `${accepted.length - notVisible.length}/${accepted.length}${sample(notVisible.map((a) => `${a.orderId} ${a.status ?? '?'}`))}`,
  });

  const orders = await x.pg.query<{ id: string; status: string; notified: boolean }>(
    'orderflow_order',
    'SELECT id::text, status::text, notified_at IS NOT NULL AS notified FROM orders WHERE id = ANY($1::uuid[])',
    [ids],
  );
  const byId = new Map(orders.map((o) => [o.id, o]));
  const badDb = ids.filter((id) => {
    const o = byId.get(id);
    return !o || !FINAL_STATUSES.has(o.status) || !o.notified;
  });
  checks.push({
    name: 'every accepted order final and notified in orderflow_order',
    pass: badDb.length === 0,
    detail: `${ids.length - badDb.length}/${ids.length}${sample(badDb)}`,
  });

  const unexpected = accepted.filter((a) => {
    const o = byId.get(a.orderId!);
    return o !== undefined && !meetsExpectation(a.plan.expect, o.status);
  });
  const statusCounts: Record<string, number> = {};
  for (const o of orders) statusCounts[o.status] = (statusCounts[o.status] ?? 0) + 1;
  checks.push({
    name: 'outcomes as built (declined → PAYMENT_FAILED, plentiful → CONFIRMED, scarce → CONFIRMED or CANCELLED)',
    pass: unexpected.length === 0,
    detail: `${Object.entries(statusCounts)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ')}${sample(unexpected.map((a) => `${a.orderId} expected ${a.plan.expect}`))}`,
  });

  const dupOrders = await x.pg.query<{ customer_id: string; n: number }>(
    'orderflow_order',
    `SELECT customer_id, count(*)::int AS n FROM orders WHERE customer_id LIKE $1 GROUP BY customer_id HAVING count(*) > 1`,
    [`bench-${x.runTag}-%`],
  );
  checks.push({
    name: 'Idempotency-Key: replays answer the same order, one order per arrival',
    pass: x.duplicates.mismatched.length === 0 && dupOrders.length === 0,
    detail: `${x.duplicates.sameOrder}/${x.duplicates.sent} duplicates answered the same order, ${x.duplicates.refused} refused without one (shed), ${x.duplicates.mismatched.length} another order; ${dupOrders.length} arrivals with more than one order${sample([...x.duplicates.mismatched, ...dupOrders.map((d) => d.customer_id)])}`,
  });

  const payments = await x.pg.query<{ order_id: string; n: number }>(
    'orderflow_payment',
    'SELECT order_id::text, count(*)::int AS n FROM payments WHERE order_id = ANY($1::uuid[]) GROUP BY order_id',
    [ids],
  );
  const payCount = new Map(payments.map((p) => [p.order_id, Number(p.n)]));
  const badPay = ids.filter((id) => payCount.get(id) !== 1);
  checks.push({
    name: 'exactly one payment per order (orderflow_payment.payments)',
    pass: badPay.length === 0,
    detail: `${ids.length - badPay.length}/${ids.length}${sample(badPay.map((id) => `${id}: ${payCount.get(id) ?? 0}`))}`,
  });

  const refunds = await x.pg.query<{ order_id: string }>(
    'orderflow_payment',
    'SELECT order_id::text FROM refunds WHERE order_id = ANY($1::uuid[])',
    [ids],
  );
  const refunded = new Set(refunds.map((r) => r.order_id));
  const cancelled = orders.filter((o) => o.status === 'CANCELLED');
  const missingRefund = cancelled.filter((o) => !refunded.has(o.id)).map((o) => o.id);
  const wrongRefund = [...refunded].filter((id) => byId.get(id)?.status === 'CONFIRMED');
  checks.push({
    name: 'out-of-stock orders refunded, confirmed ones not',
    pass: missingRefund.length === 0 && wrongRefund.length === 0,
    detail: `${refunded.size} refunds for ${cancelled.length} cancelled orders; ${wrongRefund.length} refunds of confirmed orders${sample([...missingRefund, ...wrongRefund])}`,
  });

  const notes = await x.pg.query<{ order_id: string; kind: string; n: number }>(
    'orderflow_notification',
    'SELECT order_id::text, kind, count(*)::int AS n FROM notifications WHERE order_id = ANY($1::uuid[]) GROUP BY order_id, kind',
    [ids],
  );
  const notified = new Set(notes.map((n) => n.order_id));
  const twice = notes.filter((n) => Number(n.n) > 1).map((n) => `${n.order_id} ${n.kind}×${n.n}`);
  const never = ids.filter((id) => !notified.has(id));
  checks.push({
    name: 'one notification per order and outcome (orderflow_notification.notifications)',
    pass: twice.length === 0 && never.length === 0,
    detail: `${notified.size}/${ids.length} notified; ${twice.length} (order, kind) pairs notified twice${sample([...twice, ...never])}`,
  });

  const dltAfter = await dltPositions(x.admin);
  const mine = new Set(ids);
  let dltTotal = 0;
  const dltMine: string[] = [];
  for (const [topic, end] of Object.entries(dltAfter)) {
    const from = x.dltBefore[topic] ?? new Map<number, number>();
    const grew = [...end].some(([p, o]) => o > (from.get(p) ?? 0));
    if (!grew) continue;
    const keys = await keysSince(x.kafka, topic, from, end, 15_000);
    dltTotal += keys.length;
    for (const k of keys) if (mine.has(k)) dltMine.push(`${topic} ${k}`);
  }
  checks.push({
    name: 'dead-letter topics hold none of this run’s orders',
    pass: dltMine.length === 0,
    detail: `${dltMine.length} of this run's orders dead-lettered (${dltTotal} new DLT messages in all)${sample(dltMine)}`,
  });

  const outbox = await x.pg.unpublished();
  const left = Object.entries(outbox).filter(([, n]) => n > 0);
  checks.push({
    name: 'every outbox empty (published_at set on every row)',
    pass: left.length === 0,
    detail: left.length === 0 ? 'all 0' : left.map(([db, n]) => `${db} ${n}`).join(', '),
  });
  return checks;
}
