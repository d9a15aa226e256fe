// An appended-but-unacknowledged produce on the real broker: the order service talks to Kafka through a
// protocol-aware proxy (support/kafka-proxy.ts) that, for a while, swallows the broker's answers to
// produce requests. The broker has appended each batch (the swallowed answers say so: error code 0 and
// a base offset); the relay's producer hears nothing, times out and resends. The relay must recover
// without a restart: every order completes, nothing is unpublished, no effect happens twice.
//
// What happens on the real broker: kafkajs times the request out (requestTimeout, 30 s) and resends the
// same batch with the same producer id and sequence numbers; the broker recognises the duplicate and
// acknowledges it without appending it again. So no out-of-order-sequence error arises here, and the
// topic holds each event once; the fatal-error path (ManagedProducer recreating the producer) is what
// the stack-wiped case meets, and managed-producer.unit.test.ts covers it for every fatal error type.
import { randomUUID } from 'node:crypto';
import { portOf } from '@orderflow/stack';
import { closeDbs, dbQuery } from './support/fault-kit';
import { startKafkaProxy, type KafkaProxy } from './support/kafka-proxy';
import { counter, endOffsets, keysBetween } from './support/topic-range';
import { restartWith, sleep, underLoad, stockForLoad } from './support/under-load';

jest.setTimeout(600_000);

const sku = `FAULT-ACK-${randomUUID().slice(0, 8).toUpperCase()}`;
let proxy: KafkaProxy;

beforeAll(async () => {
  await stockForLoad(sku);
  proxy = await startKafkaProxy();
  // Every connection of the order service (bootstrap, the leaders it learns from metadata, its group
  // coordinator) goes through the proxy.
  await restartWith('order', { KAFKA_BROKERS: proxy.address });
});

afterAll(async () => {
  await restartWith('order');
  await proxy.close();
  await closeDbs();
});

test('produce answers lost after the broker appended the batches: the relay recovers without a restart', async () => {
  let publishedAgainMs = 0;
  const from = await endOffsets('order_created');
  const result = await underLoad('lost produce acks (order relay)', sku, async () => {
    proxy.dropProduceAcks = true;
    const until = Date.now() + 60_000;
    while (proxy.dropped.length === 0 && Date.now() < until) await sleep(100);
    // Keep losing answers (the resends' too) for 15 s after the first loss.
    await sleep(15_000);
    proxy.dropProduceAcks = false;
    const off = Date.now();
    // The relay is publishing again once the oldest unpublished row is younger than the window.
    for (;;) {
      const [row] = await dbQuery<{ n: number }>(
        'order',
        `SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL AND created_at < to_timestamp($1 / 1000.0)`,
        [off],
      );
      if (row?.n === 0) break;
      if (Date.now() - off > 120_000)
        throw new Error(`order's relay still has ${row?.n} rows from before the window`);
      await sleep(250);
    }
    publishedAgainMs = Date.now() - off;
  });
  const ours = new Set(result.ids);
  const onTopic = (await keysBetween('order_created', from, await endOffsets('order_created'))).filter((k) =>
    ours.has(k),
  );
  const appended = proxy.dropped.flatMap((d) => d.partitions);
  const recreations = await counter(portOf('order'), 'orderflow_producer_recreations_total', {});
  const relayFailures = await counter(portOf('order'), 'orderflow_outbox_relay_failures_total', {});
  console.log(
    `[fault] lost produce acks: ${proxy.dropped.length} produce answers swallowed (${appended.length} batches, error codes ${JSON.stringify([...new Set(appended.map((p) => p.errorCode))])}); ` +
      `relay caught up ${(publishedAgainMs / 1000).toFixed(1)} s after the window; producer recreations ${recreations}, relay failures ${relayFailures}; ` +
      `${result.ids.length} orders, ${onTopic.length} order_created on the topic`,
  );
  // The broker did append what it could not acknowledge: the answers the client never saw said so.
  expect(appended.length).toBeGreaterThan(0);
  expect(appended.every((p) => p.errorCode === 0 && BigInt(p.baseOffset) >= 0n)).toBe(true);
  // The resend carried the same producer id and sequence numbers, so the broker acknowledged it without
  // appending it again: every order_created is on the topic exactly once.
  expect(onTopic.length).toBe(result.ids.length);
  expect(new Set(onTopic).size).toBe(onTopic.length);
});
