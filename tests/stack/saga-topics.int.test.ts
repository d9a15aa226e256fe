import { adminKafkaSecurity, kafkaClientSecurity } from '@orderflow/platform';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { stackEnv } from './stack-env';

interface TopicTable {
  defaults: { partitions: number };
  topics: { topic: string; partitions?: number; config?: Record<string, string> }[];
}

const table = JSON.parse(
  readFileSync(path.resolve(__dirname, '..', '..', 'schemas', 'topics.json'), 'utf8'),
) as TopicTable;

async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({
    ...kafkaClientSecurity(adminKafkaSecurity()),
    clientId: 'stack-int-test',
    brokers: stackEnv.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

// `npm run stack -- up` creates every topic of the table, and its DLT, with the table's partitions.
test('the saga topics and their DLTs exist with the partition counts of schemas/topics.json', async () => {
  const expected = new Map<string, number>();
  for (const t of table.topics) {
    const partitions = t.partitions ?? table.defaults.partitions;
    expected.set(t.topic, partitions);
    expected.set(`${t.topic}.DLT`, partitions);
  }
  expect(expected.size).toBeGreaterThanOrEqual(10);
  const meta = await withAdmin((admin) => admin.fetchTopicMetadata({ topics: [...expected.keys()] }));
  const actual = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
  expect(actual).toEqual(expected);
});

// A topic's configs in the table (e.g. catalog_price_set: cleanup.policy=compact) are what it was created with.
test('topics are created with the configs of schemas/topics.json (a compacted catalog_price_set)', async () => {
  const configured = table.topics.filter((t) => t.config !== undefined);
  expect(configured.map((t) => t.topic)).toContain('catalog_price_set');
  const described = await withAdmin((admin) =>
    admin.describeConfigs({
      includeSynonyms: false,
      resources: configured.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.topic })),
    }),
  );
  for (const t of configured) {
    const entries = described.resources.find((r) => r.resourceName === t.topic)?.configEntries ?? [];
    const actual = Object.fromEntries(
      Object.keys(t.config!).map((name) => [name, entries.find((e) => e.configName === name)?.configValue]),
    );
    expect({ topic: t.topic, config: actual }).toEqual({ topic: t.topic, config: t.config });
  }
});
