// The schema registry answers 404 "Schema not found" (error_code 40403) for schema ids it does know,
// for a while, under load: what a registry that lost its data or has not replicated a schema yet does.
// Consumers cache writer schemas by id, so the 404 reaches a consumer only when it meets an id it has not
// fetched yet: here the inventory service is restarted during the window, pointed at a proxy that serves
// the 404s, with a backlog of paid orders waiting for it.
//
// What the platform promises (README, Failure modes): a schema id the registry does not know is retried
// CONSUMER_MAX_ATTEMPTS times (default 5, the partition paused), then dead-lettered; it is not an outage
// (the registry answered), so a long window dead-letters every event the consumer meets in it. The case
// says beforehand exactly which: every payment_successful between inventory's committed offsets when it
// stopped and the topic's end once the load stopped. Then `npm run dlt -- replay payment_successful --all`
// finishes those orders (before their saga deadline), and the oracle holds with exactly that DLT.
import { randomUUID } from 'node:crypto';
import { startService, stopService, waitReady, portOf } from '@orderflow/stack';
import { REGISTRY_URL } from '../e2e/support/saga';
import { closeDbs, dbQuery } from './support/fault-kit';
import { consumerLag } from './support/oracle';
import { startRegistryProxy, type RegistryProxy } from './support/registry-proxy';
import {
  committedOffsets,
  counter,
  endOffsets,
  keysBetween,
  type PartitionOffsets,
} from './support/topic-range';
import { npmAsync, restartWith, sleep, underLoad, stockForLoad } from './support/under-load';

jest.setTimeout(900_000);

const TOPIC = 'payment_successful';
const sku = `FAULT-404-${randomUUID().slice(0, 8).toUpperCase()}`;
let proxy: RegistryProxy;
/** Dead letters of earlier suites that never decode (poison on purpose): every `replay --all` refuses them. */
let refusedBefore = 0;

/** `npm run dlt -- replay <TOPIC> --all`: how many it replayed and refused (it exits 1 when it refused any). */
async function replayAll(): Promise<{ replayed: number; refused: number; summary: string }> {
  const out = await npmAsync(['dlt', '--', 'replay', TOPIC, '--all']).catch((err: unknown) =>
    err instanceof Error ? err.message : String(err),
  );
  const m = /(\d+) replayed to \w+, (\d+) already replayed, (\d+) refused/.exec(out);
  if (m === null) throw new Error(`npm run dlt -- replay printed no summary:\n${out.slice(-2000)}`);
  return { replayed: Number(m[1]), refused: Number(m[3]), summary: m[0] };
}

beforeAll(async () => {
  await stockForLoad(sku);
  proxy = await startRegistryProxy(REGISTRY_URL);
  // Earlier suites leave dead letters on purpose (poison, the deadline case): replay what can be replayed
  // now, so the replay below sends exactly this case's messages; the poison stays refused.
  refusedBefore = (await replayAll()).refused;
});

afterAll(async () => {
  await proxy.close();
  await closeDbs();
});

test('a registry answering 404 for known schema ids: bounded retries, then the DLT; replay finishes the orders', async () => {
  let from: PartitionOffsets = new Map();
  let windowStart = 0;
  let windowMs = 0;
  let expected: string[] = [];
  let met: string[] = [];
  let retries = 0;
  let deadLetters = 0;
  try {
    const result = await underLoad(
      'registry 404 (inventory restarted into it)',
      sku,
      async () => {
        await stopService('inventory');
        from = await committedOffsets('inventory', TOPIC);
        // A backlog of paid orders builds up while inventory is away.
        await sleep(3_000);
        proxy.notFound = true;
        windowStart = Date.now();
        await startService('inventory', { env: { SCHEMA_REGISTRY_URL: proxy.url } });
        await waitReady('inventory', { timeoutMs: 120_000 });
        // Orders keep coming while the registry says 404.
        await sleep(5_000);
      },
      {
        afterMs: 0,
        afterLoad: async (ids) => {
          // Let payment publish every payment_successful and inventory meet each one, still in the window.
          const idle = Date.now() + 300_000;
          for (;;) {
            const [row] = await dbQuery<{ n: number }>(
              'payment',
              'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL AND key = ANY($1::text[])',
              [ids],
            );
            const lag = await consumerLag();
            if (row?.n === 0 && lag.payment === 0 && lag.inventory === 0) break;
            if (Date.now() > idle) throw new Error(`the 404 window did not drain: ${JSON.stringify(lag)}`);
            await sleep(1000);
          }
          // Everything inventory met in the window: this case's orders, and any older event replayed by
          // the clean-up above that inventory had not consumed yet when it stopped.
          met = await keysBetween(TOPIC, from, await endOffsets(TOPIC));
          const ours = new Set(ids);
          expected = met.filter((k) => ours.has(k));
          retries = await counter(portOf('inventory'), 'orderflow_event_handler_retries_total', {
            topic: TOPIC,
            class: 'bounded',
          });
          deadLetters = await counter(portOf('inventory'), 'orderflow_dead_letters_total', {
            topic: TOPIC,
            class: 'bounded',
          });
          proxy.notFound = false;
          windowMs = Date.now() - windowStart;
          const replay = await replayAll();
          console.log(`[fault] registry 404: replay said "${replay.summary}"`);
          // Exactly what was dead-lettered in the window was replayed; nothing of it was refused.
          expect({ replayed: replay.replayed, refused: replay.refused }).toEqual({
            replayed: met.length,
            refused: refusedBefore,
          });
          return { [TOPIC]: expected };
        },
      },
    );
    console.log(
      `[fault] registry 404: window ${(windowMs / 1000).toFixed(1)} s, ${proxy.served404} 404s served, ` +
        `${expected.length} payment_successful dead-lettered after ${retries} bounded retries, then replayed`,
    );
    // The backlog and the load both met the 404s; each event had CONSUMER_MAX_ATTEMPTS (5) attempts:
    // 4 retries, then the DLT. Replayed before their deadline, those orders completed normally.
    expect(expected.length).toBeGreaterThan(10);
    expect({ retries, deadLetters }).toEqual({ retries: 4 * met.length, deadLetters: met.length });
    expect(result.report.byStatus['EXPIRED']).toBeUndefined();
  } finally {
    proxy.notFound = false;
    await restartWith('inventory');
  }
});
