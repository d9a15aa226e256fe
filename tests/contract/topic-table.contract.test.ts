// The topic table is consistent: every topic has a producer and consumers among the known
// services, its schema file exists, its subject follows TopicNameStrategy, the generated table
// matches it, and no service subscribes to a topic the table does not list it as consuming.
import fs from 'node:fs';
import path from 'node:path';
import { loadTopicTable } from '@orderflow/codegen';
import { services, topicDescriptors, topicTable } from '@orderflow/contracts';
import { ROOT } from './support';
import { scanServices } from './subscriptions';

const table = loadTopicTable(ROOT);

describe('topic table', () => {
  it('names the four saga services', () => {
    expect(table.services).toEqual(expect.arrayContaining(['order', 'payment', 'inventory', 'notification']));
  });

  it.each(table.topics.map((t) => [t.topic, t] as const))(
    '%s has a known producer, consumers, its schema file and subject',
    (topic, row) => {
      expect(table.services).toContain(row.producer);
      expect(row.consumers.length).toBeGreaterThanOrEqual(1);
      for (const c of row.consumers) expect(table.services).toContain(c);
      expect(fs.existsSync(path.join(ROOT, 'schemas', row.schema))).toBe(true);
      expect(row.subject).toBe(`${topic}-value`);
    },
  );

  it('is what the generated package was built from (run `npm run codegen` if not)', () => {
    expect(topicTable.map((r) => ({ ...r, consumers: [...r.consumers] }))).toEqual(table.topics);
    expect([...services]).toEqual(table.services);
    expect(Object.keys(topicDescriptors).sort()).toEqual(table.topics.map((t) => t.topic).sort());
  });

  it('has every service subscribe only to topics it is a declared consumer of', () => {
    const names = table.topics.map((t) => ({
      topic: t.topic,
      record: topicDescriptors[t.topic as keyof typeof topicDescriptors].recordName.split('.').pop()!,
    }));
    // The saga services of the table; the console (services/console) is an observer that reads every
    // topic with a throwaway group and commits nothing, so it is no consumer in the table's sense.
    const found = scanServices(ROOT, names, table.services);
    const problems = found.flatMap((s) => {
      if (s.topics.length === 0)
        return [
          `${s.where}: cannot tell which topic \`${s.expression}\` is; subscribe with a generated codec or descriptor (e.g. orderCreatedCodec(registry))`,
        ];
      return s.topics
        .filter((topic) => !table.topics.find((t) => t.topic === topic)?.consumers.includes(s.service))
        .map(
          (topic) =>
            `${s.where}: service ${s.service} subscribes to ${topic} but schemas/topics.json does not list it among ${topic}'s consumers`,
        );
    });
    expect(problems).toEqual([]);
  });
});
