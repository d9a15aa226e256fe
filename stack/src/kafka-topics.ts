// Idempotent topic creation against the running broker.
import { Kafka, logLevel } from 'kafkajs';
import type { TopicSpec } from './topics';

/** What createTopics did: created, already there, and existing topics whose partition count differs from the table. */
export interface TopicOutcome {
  readonly created: string[];
  readonly existing: string[];
  readonly mismatched: { topic: string; expected: number; actual: number }[];
}

/** Creates the missing topics (replication 1, this is one broker) and reports the rest. */
export async function createTopics(brokers: string[], specs: readonly TopicSpec[]): Promise<TopicOutcome> {
  const kafka = new Kafka({
    clientId: 'orderflow-stack',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 5 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const present = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !present.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({ topic: s.topic, numPartitions: s.partitions, replicationFactor: 1 })),
      });
    }
    const existingSpecs = specs.filter((s) => present.has(s.topic));
    const mismatched: TopicOutcome['mismatched'] = [];
    if (existingSpecs.length > 0) {
      const meta = await admin.fetchTopicMetadata({ topics: existingSpecs.map((s) => s.topic) });
      for (const s of existingSpecs) {
        const actual = meta.topics.find((t) => t.name === s.topic)?.partitions.length ?? 0;
        if (actual !== s.partitions) mismatched.push({ topic: s.topic, expected: s.partitions, actual });
      }
    }
    return { created: missing.map((s) => s.topic), existing: existingSpecs.map((s) => s.topic), mismatched };
  } finally {
    await admin.disconnect();
  }
}
