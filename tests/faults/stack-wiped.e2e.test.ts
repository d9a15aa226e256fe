// The whole stack wiped and restarted under running services: `npm run stack -- down`, then
// `up --fresh` (which deletes ZooKeeper's and Kafka's data and drops the registry's database), then
// `npm run schema -- register`, as an operator recovering a broken stack does, while the four services
// keep running and a client keeps placing orders.
//
// What the platform promises:
// - the services recover by themselves (same processes): their consumers find the new, empty topics,
//   their relays publish what waited in the outboxes (rows are marked published only after the broker
//   acknowledged them, so nothing accepted during the outage is lost), and the idempotent producers go
//   on with producer ids the new broker never issued (recreated should it refuse them);
// - while the stack is away they say so: /ready answers 503, never hangs;
// - orders whose events had already been published to the old cluster but not yet consumed were lost
//   with its data: no outbox row is left to resend them. Their saga deadline ends them EXPIRED with a
//   compensation (refund, release) and the customer's notice. Only orders accepted before the new stack
//   was up can be among them; every order accepted afterwards completes normally.
import { randomUUID } from 'node:crypto';
import { portOf } from '@orderflow/stack';
import { closeDbs, dbQuery } from './support/fault-kit';
import { counter } from './support/topic-range';
import {
  FOUR_SERVICES,
  npmAsync,
  pidsOf,
  restartWith,
  underLoad,
  watchReadiness,
  stockForLoad,
} from './support/under-load';
import { operatorHeaders } from '../support/auth';

jest.setTimeout(900_000);

// Long enough for the outage (orders accepted during it finish within it once the stack is back),
// short enough for the oracle to see the lost orders expire.
const SAGA_DEADLINE_MS = 120_000;
const sku = `FAULT-WIPE-${randomUUID().slice(0, 8).toUpperCase()}`;

beforeAll(async () => {
  await restartWith('order', { ORDER_SAGA_DEADLINE_MS: String(SAGA_DEADLINE_MS) });
  await stockForLoad(sku);
});

afterAll(async () => {
  await restartWith('order');
  await closeDbs();
});

test('the stack wiped and restarted under running services: they recover by themselves, lost orders expire', async () => {
  const pidsBefore = pidsOf(FOUR_SERVICES);
  let said: Record<string, string[]> = {};
  let upAt = 0;
  let readyAgainMs = 0;
  const result = await underLoad(
    'stack wiped (down, up --fresh, schema register) under running services',
    sku,
    async () => {
      const watch = watchReadiness(FOUR_SERVICES);
      try {
        await npmAsync(['stack', '--', 'down']);
        await npmAsync(['stack', '--', 'up', '--fresh']);
        await npmAsync(['schema', '--', 'register']);
        upAt = Date.now();
        // Recovered by themselves: every service ready again, no restart.
        for (;;) {
          const ready = await Promise.all(
            FOUR_SERVICES.map(async ({ service }) => {
              const res = await fetch(`http://127.0.0.1:${portOf(service)}/ready`, {
                headers: await operatorHeaders(),
              }).catch(() => undefined);
              await res?.body?.cancel();
              return res?.status === 200;
            }),
          );
          if (ready.every(Boolean)) break;
          if (Date.now() - upAt > 180_000)
            throw new Error('services not ready 180 s after the stack was back');
          await new Promise((r) => setTimeout(r, 500));
        }
        readyAgainMs = Date.now() - upAt;
      } finally {
        said = await watch.stop();
      }
    },
    { afterMs: 10_000, timeoutMs: SAGA_DEADLINE_MS + 180_000 },
  );
  const recreations = Object.fromEntries(
    await Promise.all(
      FOUR_SERVICES.map(async ({ service }) => [
        service,
        await counter(portOf(service), 'orderflow_producer_recreations_total', {}),
      ]),
    ),
  ) as Record<string, number>;
  const expired = (
    await dbQuery<{ id: string }>(
      'order',
      `SELECT id::text AS id FROM orders WHERE id = ANY($1::uuid[]) AND status = 'EXPIRED'`,
      [result.ids],
    )
  ).map((r) => r.id);
  const expiredAfterUp = expired.filter((id) => (result.acceptedAt.get(id) ?? 0) >= upAt);
  console.log(
    `[fault] stack wiped: services ready ${(readyAgainMs / 1000).toFixed(1)} s after the new stack was up; ` +
      `/ready during it ${JSON.stringify(said)}; producer recreations ${JSON.stringify(recreations)}; ` +
      `${expired.length} orders lost with the old cluster's data ended EXPIRED, ` +
      `${result.ids.filter((id) => (result.acceptedAt.get(id) ?? 0) >= upAt).length} accepted after it completed normally`,
  );
  // The same processes recovered; each said "not ready" while the stack was away, never hung.
  expect(pidsOf(FOUR_SERVICES)).toEqual(pidsBefore);
  for (const [who, outcomes] of Object.entries(said))
    expect({ who, outcomes: outcomes.filter((o) => o !== '200') }).toEqual({ who, outcomes: ['503'] });
  // The relays publish again by themselves (the oracle: nothing unpublished, every order final). No
  // fatal producer error is required for that: a Kafka 3.9 broker with no state for a producer id
  // accepts its next sequence (KIP-360), so the old producers go on (0 recreations measured); had the
  // broker answered out-of-order sequence or unknown producer id, ManagedProducer would recreate them.
  // Only orders accepted before the new stack was up can have lost their events.
  expect(expiredAfterUp).toEqual([]);
});
