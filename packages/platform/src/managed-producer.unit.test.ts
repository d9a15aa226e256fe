import { Kafka, KafkaJSProtocolError, type Producer, type ProducerRecord } from 'kafkajs';
import { ManagedProducer } from './kafka';
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
      send: (record: ProducerRecord) => {
        if (id === 1)
          return Promise.reject(
            protocolError({
              message: 'The broker received an out of order sequence number',
              type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
              code: 45,
              retriable: false,
            }),
          );
        delivered.push(...record.messages.map((m) => String(m.value)));
        return Promise.resolve([]);
      },
      sendBatch: () => Promise.resolve([]),
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
        send: () => Promise.reject(new Error('leader not available')),
        disconnect: () => Promise.resolve(),
      } as unknown as Producer);
    },
  );
  await producer.connect();
  await expect(producer.send({ topic: 't', messages: [{ value: 'a' }] })).rejects.toThrow(/leader/);
  expect(created).toBe(1);
});
