// A service dies with SIGKILL while orders flow through it (no graceful shutdown: in-flight
// transactions are lost, offsets uncommitted, outbox rows maybe sent but not marked), and is started
// again. Every saga must still complete, and no side effect may happen twice: one payment, one
// reservation, one refund at most, one notification per order, one logical event per (order, topic).
// Redelivered messages with an eventId already seen are allowed on the wire; repeated effects are not.
import { randomUUID } from 'node:crypto';
import { Topics, type ApiCreateOrderRequest, type ApiOrder } from '@orderflow/contracts';
import { DECLINING_TOKEN, orderRequest, readSagaMessages, setStock } from '../e2e/support/saga';
import { priceSku } from '../support/catalog';
import { crashService, restartService, type ServiceName } from '../e2e/support/services';
import {
  closeDbs,
  countBy,
  dbQuery,
  logicalCount,
  foreignReport,
  logicalEvents,
  ownEventIds,
  placeAll,
  waitAllFinal,
  type DbOwner,
  type FinalRow,
  type LogicalEvents,
} from './support/fault-kit';

const OK = 40;
const DECLINED = 10;
const SHORT = 6;
const N = OK + DECLINED + SHORT;

type Kind = 'ok' | 'declined' | 'short';

// How far the victim got: rows of its own effect for the given orders.
const progressOf: Record<Exclude<ServiceName, 'order'>, { owner: DbOwner; sql: string }> = {
  payment: {
    owner: 'payment',
    sql: 'SELECT count(*)::int AS n FROM payments WHERE order_id = ANY($1::uuid[])',
  },
  inventory: {
    owner: 'inventory',
    sql: 'SELECT count(*)::int AS n FROM reservations WHERE order_id = ANY($1::uuid[])',
  },
  notification: {
    owner: 'notification',
    sql: 'SELECT count(*)::int AS n FROM notifications WHERE order_id = ANY($1::uuid[])',
  },
};

async function progress(victim: Exclude<ServiceName, 'order'>, ids: readonly string[]): Promise<number> {
  const { owner, sql } = progressOf[victim];
  return (await dbQuery<{ n: number }>(owner, sql, [ids]))[0]?.n ?? 0;
}

afterAll(closeDbs);

describe.each(['payment', 'inventory', 'notification'] as const)(
  '%s killed with SIGKILL mid-saga and restarted',
  (victim) => {
    const since = Date.now() - 1000;
    const plenty = `FAULT-CRASH-${randomUUID().slice(0, 8).toUpperCase()}`;
    const none = `FAULT-NONE-${randomUUID().slice(0, 8).toUpperCase()}`;
    const kinds = new Map<string, Kind>();
    let orders: ApiOrder[] = [];
    let finals: FinalRow[] = [];
    let doneAtKill = -1;
    let events: LogicalEvents;
    let deliveries = 0;

    beforeAll(async () => {
      await setStock(plenty, 10_000);
      await setStock(none, 0);
      for (const sku of [plenty, none]) await priceSku(sku, 700);
      const byIndex: Kind[] = [
        ...Array<Kind>(OK).fill('ok'),
        ...Array<Kind>(DECLINED).fill('declined'),
        ...Array<Kind>(SHORT).fill('short'),
      ];
      // Spread the three kinds over both halves (17 is coprime to N, so this is a permutation).
      const requests = byIndex.map((_, i): { kind: Kind; body: ApiCreateOrderRequest } => {
        const kind = byIndex[(i * 17) % N]!;
        const sku = kind === 'short' ? none : plenty;
        return {
          kind,
          body: orderRequest({
            lines: [{ sku, quantity: 1 }],
            ...(kind === 'declined' ? { paymentToken: DECLINING_TOKEN } : {}),
          }),
        };
      });
      const half = Math.floor(N / 2);
      const first = await placeAll(requests.slice(0, half).map((r) => r.body));
      // Kill once the victim is part-way through the first half: some effects committed, more in flight.
      const firstIds = first.map((o) => o.id);
      const end = Date.now() + 60_000;
      while ((doneAtKill = await progress(victim, firstIds)) < 3 && Date.now() < end)
        await new Promise((r) => setTimeout(r, 10));
      await crashService(victim);
      // The second half arrives while the victim is down: its input piles up on the topics.
      const second = await placeAll(requests.slice(half).map((r) => r.body));
      orders = [...first, ...second];
      orders.forEach((o, i) => kinds.set(o.id, requests[i]!.kind));
      await restartService(victim);
      finals = await waitAllFinal(
        orders.map((o) => o.id),
        150_000,
      );
      const expected = OK * 4 + DECLINED * 3 + SHORT * 5;
      const messages = await readSagaMessages(new Set(orders.map((o) => o.id)), {
        since,
        expected,
        timeoutMs: 60_000,
      });
      deliveries = messages.length;
      events = await logicalEvents(messages, await ownEventIds(orders.map((o) => o.id)));
    }, 420_000);

    test('no other process published saga events for these orders (else the rest cannot judge the services)', () => {
      expect(foreignReport(events)).toBe('none');
    });

    test('it was killed part-way, and every order still reached the final state its input decides', () => {
      expect(doneAtKill).toBeGreaterThan(0);
      expect(doneAtKill).toBeLessThan(N);
      const expected: Record<Kind, string> = {
        ok: 'CONFIRMED',
        declined: 'PAYMENT_FAILED',
        short: 'CANCELLED',
      };
      for (const r of finals)
        expect({ order: r.id, status: r.status }).toEqual({
          order: r.id,
          status: expected[kinds.get(r.id)!],
        });
      expect(countBy(finals, (r) => r.status)).toEqual({
        CONFIRMED: OK,
        PAYMENT_FAILED: DECLINED,
        CANCELLED: SHORT,
      });
    });

    test('one payment per order, one refund per cancelled order, one reservation per paid order, one notification per order', async () => {
      const ids = orders.map((o) => o.id);
      const payments = await dbQuery<{ order_id: string; n: number }>(
        'payment',
        'SELECT order_id::text, count(*)::int AS n FROM payments WHERE order_id = ANY($1::uuid[]) GROUP BY 1',
        [ids],
      );
      expect(payments.filter((p) => p.n !== 1)).toEqual([]);
      expect(payments).toHaveLength(N);
      const refunds = await dbQuery<{ order_id: string }>(
        'payment',
        'SELECT order_id::text FROM refunds WHERE order_id = ANY($1::uuid[])',
        [ids],
      );
      expect(refunds.map((r) => r.order_id).sort()).toEqual(
        ids.filter((id) => kinds.get(id) === 'short').sort(),
      );
      const reservations = await dbQuery<{ order_id: string; status: string }>(
        'inventory',
        'SELECT order_id::text, status::text FROM reservations WHERE order_id = ANY($1::uuid[])',
        [ids],
      );
      expect(reservations).toHaveLength(OK + SHORT);
      for (const r of reservations)
        expect({ order: r.order_id, status: r.status }).toEqual({
          order: r.order_id,
          status: kinds.get(r.order_id) === 'ok' ? 'RESERVED' : 'OUT_OF_STOCK',
        });
      const notes = await dbQuery<{ order_id: string; n: number }>(
        'notification',
        'SELECT order_id::text, count(*)::int AS n FROM notifications WHERE order_id = ANY($1::uuid[]) GROUP BY 1',
        [ids],
      );
      expect(notes.filter((n) => n.n !== 1)).toEqual([]);
      expect(notes).toHaveLength(N);
    });

    test('exactly one logical event per (order, topic) on the saga topics (redeliveries of an eventId allowed)', () => {
      const want: Record<Kind, Record<string, number>> = {
        ok: {
          [Topics.OrderCreated]: 1,
          [Topics.PaymentSuccessful]: 1,
          [Topics.PaymentFailed]: 0,
          [Topics.InventoryUpdated]: 1,
          [Topics.PaymentRefunded]: 0,
          [Topics.NotificationSent]: 1,
        },
        declined: {
          [Topics.OrderCreated]: 1,
          [Topics.PaymentSuccessful]: 0,
          [Topics.PaymentFailed]: 1,
          [Topics.InventoryUpdated]: 0,
          [Topics.PaymentRefunded]: 0,
          [Topics.NotificationSent]: 1,
        },
        short: {
          [Topics.OrderCreated]: 1,
          [Topics.PaymentSuccessful]: 1,
          [Topics.PaymentFailed]: 0,
          [Topics.InventoryUpdated]: 1,
          [Topics.PaymentRefunded]: 1,
          [Topics.NotificationSent]: 1,
        },
      };
      for (const o of orders) {
        const expected = want[kinds.get(o.id)!];
        const seen = Object.fromEntries(
          Object.keys(expected).map((topic) => [topic, logicalCount(events, o.id, topic)]),
        );
        expect({ order: o.id, seen }).toEqual({ order: o.id, seen: expected });
      }
      // Deliveries = logical events + redeliveries; reported so a run shows whether the crash caused any.
      expect(deliveries).toBe(OK * 4 + DECLINED * 3 + SHORT * 5 + events.redeliveries + events.foreign);
    });
  },
);
