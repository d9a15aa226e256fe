import { adminKafkaSecurity, kafkaClientSecurity } from '@orderflow/platform';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { stackEnv } from './stack-env';

interface TopicTable {
  defaults: { partitions: number };
  topics: { topic: string; partitions?: number }[];
}

// `npm run stack -- up` creates every topic of the table, and its DLT, with the table's partitions.
test('the saga topics and their DLTs exist with the partition counts of schemas/topics.json', async () => {
  const table = JSON.parse(
    readFileSync(path.resolve(__dirname, '..', '..', 'schemas', 'topics.json'), 'utf8'),
  ) as TopicTable;
  const expected = new Map<string, number>();
  for (const t of table.topics) {
    const partitions = t.partitions ?? table.defaults.partitions;
    expected.set(t.topic, partitions);
    expected.set(`${t.topic}.DLT`, partitions);
  }
  expect(expected.size).toBeGreaterThanOrEqual(10);

  const admin = new Kafka({
    ...kafkaClientSecurity(adminKafkaSecurity()),
    clientId: 'stack-int-test',
    brokers: stackEnv.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [...expected.keys()] });
    const actual = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
    expect(actual).toEqual(expected);
  } finally {
    await admin.disconnect();
  }
});
