import {
  Kafka,
  KafkaJSProtocolError,
  type Message,
  type Producer,
  type ProducerBatch,
  type RecordMetadata,
} from 'kafkajs';
import { ManagedProducer, sendWhole } from './kafka';
import { createLogger } from './logger';
import { createMetricsRegistry } from './metrics';

// kafkajs's typings take only a message; at run time the error carries the broker's type and retriable flag.
function protocolError(p: { message: string; type: string; code: number; retriable: boolean }): Error {
  return new KafkaJSProtocolError(p as unknown as Error);
}

// A stand-in for the broker's side of an idempotent producer: the first producer id gets
// OUT_OF_ORDER_SEQUENCE_NUMBER for every send (what an appended-but-unacknowledged produce leaves behind).
function brokerWithWedgedProducerId() {
  const delivered: string[] = [];
  let producerIds = 0;
  const factory = (): Promise<Producer> => {
    const id = ++producerIds;
    const producer = {
      sendBatch: (batch: ProducerBatch) => {
        if (id === 1)
          return Promise.reject(
            protocolError({
              message: 'The broker received an out of order sequence number',
              type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
              code: 45,
              retriable: false,
            }),
          );
        for (const { messages } of batch.topicMessages ?? [])
          delivered.push(...messages.map((m) => String(m.value)));
        return Promise.resolve([]);
      },
      disconnect: () => Promise.resolve(),
    } as unknown as Producer;
    return Promise.resolve(producer);
  };
  return { factory, delivered, producerIds: () => producerIds };
}

test('a fatal producer error recreates the idempotent producer: the failed send rejects, the next one is delivered', async () => {
  const broker = brokerWithWedgedProducerId();
  const metrics = createMetricsRegistry('test', { defaultMetrics: false });
  const producer = new ManagedProducer(
    new Kafka({ brokers: ['unused:9092'] }),
    createLogger({ service: 'test', level: 'silent' }),
    metrics,
    broker.factory,
  );
  await producer.connect();
  await expect(producer.send({ topic: 't', messages: [{ value: 'a' }] })).rejects.toThrow(/out of order/);
  // The caller (outbox relay, dead-lettering) retries; the retry goes through a new producer id.
  await producer.send({ topic: 't', messages: [{ value: 'a' }] });
  expect(broker.delivered).toEqual(['a']);
  expect(broker.producerIds()).toBe(2);
  expect(await metrics.getSingleMetricAsString('orderflow_producer_recreations_total')).toContain(' 1');
  await producer.disconnect();
});

test('an ordinary failure keeps the producer', async () => {
  let created = 0;
  const producer = new ManagedProducer(
    new Kafka({ brokers: ['unused:9092'] }),
    createLogger({ service: 'test', level: 'silent' }),
    createMetricsRegistry('test', { defaultMetrics: false }),
    () => {
      created++;
      return Promise.resolve({
        sendBatch: () => Promise.reject(new Error('leader not available')),
        disconnect: () => Promise.resolve(),
      } as unknown as Producer);
    },
  );
  await producer.connect();
  await expect(producer.send({ topic: 't', messages: [{ value: 'a' }] })).rejects.toThrow(/leader/);
  expect(created).toBe(1);
});

// What kafkajs 2.2.4 does when a send spans two brokers, one acknowledges, the other fails, and the failed
// partition's new leader is the broker that already answered: it resolves with the first broker's
// acknowledgement only (tulios/kafkajs#1798). The stand-in does that on its first call.
function kafkajsDroppingAMovedPartition() {
  const onTopic: { topic: string; partition: number; value: string }[] = [];
  let calls = 0;
  const producer = {
    sendBatch: (batch: ProducerBatch): Promise<RecordMetadata[]> => {
      calls++;
      const acks: RecordMetadata[] = [];
      for (const { topic, messages } of batch.topicMessages ?? []) {
        for (const partition of new Set(messages.map((m) => m.partition ?? 0))) {
          if (calls === 1 && partition === 1) continue; // "moved": never sent, yet the send resolves
          for (const m of messages.filter((x) => (x.partition ?? 0) === partition))
            onTopic.push({ topic, partition, value: String(m.value) });
          acks.push({ topicName: topic, partition, errorCode: 0, baseOffset: '0' });
        }
      }
      return Promise.resolve(acks);
    },
  };
  return { producer, onTopic, calls: () => calls };
}

test("a send kafkajs resolves without one partition's acknowledgement is completed: every message reaches its partition once", async () => {
  const kafkajs = kafkajsDroppingAMovedPartition();
  const reported: unknown[] = [];
  const message = (value: string, partition: number): Message => ({ key: value, value, partition });
  await sendWhole(
    kafkajs.producer,
    {
      acks: -1,
      topicMessages: [
        { topic: 'inventory_updated', messages: [message('a', 0), message('b', 1), message('c', 1)] },
        { topic: 'payment_successful', messages: [message('d', 0)] },
      ],
    },
    (unacknowledged) => reported.push(...unacknowledged),
  );
  expect(kafkajs.onTopic).toEqual(
    expect.arrayContaining([
      { topic: 'inventory_updated', partition: 0, value: 'a' },
      { topic: 'inventory_updated', partition: 1, value: 'b' },
      { topic: 'inventory_updated', partition: 1, value: 'c' },
      { topic: 'payment_successful', partition: 0, value: 'd' },
    ]),
  );
  expect(kafkajs.onTopic).toHaveLength(4); // nothing twice: only the unacknowledged partition was resent
  expect(reported).toEqual([{ topic: 'inventory_updated', partition: 1, messages: 2 }]);
});

test('a partition that is never acknowledged fails the send after the resends, naming it', async () => {
  const producer = {
    sendBatch: (batch: ProducerBatch): Promise<RecordMetadata[]> =>
      Promise.resolve(
        (batch.topicMessages ?? []).map(({ topic }) => ({ topicName: topic, partition: 0, errorCode: 0 })),
      ),
  };
  await expect(
    sendWhole(
      producer,
      { acks: -1, topicMessages: [{ topic: 't', messages: [{ value: 'x', partition: 2 }] }] },
      () => undefined,
    ),
  ).rejects.toThrow(/did not acknowledge t\[2\] \(1 messages\) after 5 resends/);
});
