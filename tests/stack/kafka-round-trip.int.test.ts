import { adminKafkaSecurity, kafkaClientSecurity } from '@orderflow/platform';
import { Kafka, logLevel, type Admin, type Consumer, type KafkaMessage } from 'kafkajs';
import { stackEnv, uniqueName } from './stack-env';

// A produce/consume round trip through the real broker: what goes in (key, value, headers) comes out.
describe('Kafka round trip', () => {
  const kafka = new Kafka({
    ...kafkaClientSecurity(adminKafkaSecurity()),
    clientId: 'stack-int-test',
    brokers: stackEnv.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const topic = uniqueName('stack-test-round-trip');
  let admin: Admin;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    // The broker does not auto-create topics (auto.create.topics.enable=false), like production.
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 2, replicationFactor: 1 }],
    });
  }, 30_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }, 30_000);

  test('a consumer group reads back exactly the key, value and headers that were produced', async () => {
    const sent = [
      {
        key: 'order-1',
        value: JSON.stringify({ n: 1, text: 'première' }),
        headers: { 'correlation-id': 'c-1', traceparent: '00-abc-def-01' },
      },
      {
        key: 'order-2',
        value: JSON.stringify({ n: 2, text: 'second' }),
        headers: { 'correlation-id': 'c-2', traceparent: '00-123-456-01' },
      },
    ];
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    consumer = kafka.consumer({ groupId: uniqueName('stack-test-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: KafkaMessage[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`received ${received.length} of ${sent.length} messages within 30 s`)),
        30_000,
      );
      void consumer
        ?.run({
          eachMessage: ({ message }) => {
            received.push(message);
            if (received.length === sent.length) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });

    const decoded = received
      .map((m) => ({
        key: m.key?.toString('utf8'),
        value: m.value?.toString('utf8'),
        headers: Object.fromEntries(
          Object.entries(m.headers ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('utf8') : v]),
        ),
      }))
      .sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''));
    expect(decoded).toEqual(sent);
  }, 60_000);
});
