import path from 'node:path';
import { readTopicTable, topicsFromTable } from './topics';

test('the repository topic table gives the five saga topics with their partitions, plus DLTs', () => {
  const specs = readTopicTable(path.resolve(__dirname, '..', '..', 'schemas', 'topics.json'));
  const names = specs.map((s) => s.topic);
  for (const t of [
    'order_created',
    'payment_successful',
    'payment_failed',
    'inventory_updated',
    'notification_sent',
  ]) {
    expect(names).toContain(t);
    expect(names).toContain(`${t}.DLT`);
  }
  expect(specs.every((s) => s.partitions >= 1)).toBe(true);
});

test('partitions come from the entry, else the defaults; a DLT has its topic’s partitions', () => {
  const specs = topicsFromTable(
    { defaults: { partitions: 6 }, topics: [{ topic: 'a', partitions: 2 }, { topic: 'b' }] },
    't.json',
  );
  expect(specs).toEqual([
    { topic: 'a', partitions: 2 },
    { topic: 'b', partitions: 6 },
    { topic: 'a.DLT', partitions: 2 },
    { topic: 'b.DLT', partitions: 6 },
  ]);
});

test('configs come from the entry (e.g. a compacted topic); its DLT gets none', () => {
  const specs = topicsFromTable(
    { topics: [{ topic: 'prices', partitions: 3, config: { 'cleanup.policy': 'compact' } }] },
    't.json',
  );
  expect(specs).toEqual([
    { topic: 'prices', partitions: 3, config: { 'cleanup.policy': 'compact' } },
    { topic: 'prices.DLT', partitions: 3 },
  ]);
});

test.each([
  [{ topics: 'x' }, 't.json: "topics" must be an array'],
  [{ topics: [{ topic: 'bad name!' }] }, 't.json: topics[0].topic must be a Kafka topic name'],
  [
    { topics: [{ topic: 'a', partitions: 0 }] },
    't.json: topics[0].partitions must be a positive integer, got 0',
  ],
  [{ topics: [{ topic: 'a' }, { topic: 'a' }] }, 't.json: topics[1].topic "a" appears twice'],
  [
    { topics: [{ topic: 'a', config: { 'cleanup.policy': 1 } }] },
    't.json: topics[0].config.cleanup.policy must be a Kafka topic config with a string value, got 1',
  ],
])('a bad table is rejected naming the place: %j', (table, message) => {
  expect(() => topicsFromTable(table, 't.json')).toThrow(message);
});

test('a missing table file is a clear error', () => {
  expect(() => readTopicTable('/nonexistent/topics.json')).toThrow(
    'cannot read the topic table /nonexistent/topics.json',
  );
});
