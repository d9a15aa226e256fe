// Idempotent topic creation against the running broker.
import { kafkaClientSecurity, type KafkaSecurity } from '@orderflow/platform';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { TopicSpec } from './topics';

/** What createTopics did: created, already there, and existing topics whose partition count differs from the table. */
export interface TopicOutcome {
  readonly created: string[];
  readonly existing: string[];
  readonly mismatched: { topic: string; expected: number; actual: number }[];
}

/** Creates the missing topics (replication 1 on one broker; 3 with min.insync.replicas 2 on three) and reports the rest. */
export async function createTopics(
  brokers: string[],
  specs: readonly TopicSpec[],
  replication: { factor: number; minInsync: number } = { factor: 1, minInsync: 1 },
  security?: KafkaSecurity,
): Promise<TopicOutcome> {
  return withKafkaAdmin(brokers, security, async (admin) => {
    const existedBefore = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existedBefore.has(s.topic));
    let present = existedBefore;
    // On a busy machine a cluster can take longer than a request timeout to elect leaders for
    // partitions × replicas; what was created then is simply found by the next round.
    for (let attempt = 1; ; attempt++) {
      const todo = missing.filter((s) => !present.has(s.topic));
      if (todo.length === 0) break;
      try {
        await createSome(admin, todo, replication);
        break;
      } catch (err) {
        if (attempt >= 4) throw err;
        await new Promise((r) => setTimeout(r, 2000));
        present = new Set(await admin.listTopics());
      }
    }
    const existingSpecs = specs.filter((s) => existedBefore.has(s.topic));
    const mismatched: TopicOutcome['mismatched'] = [];
    if (existingSpecs.length > 0) {
      const meta = await admin.fetchTopicMetadata({ topics: existingSpecs.map((s) => s.topic) });
      for (const s of existingSpecs) {
        const actual = meta.topics.find((t) => t.name === s.topic)?.partitions.length ?? 0;
        if (actual !== s.partitions) mismatched.push({ topic: s.topic, expected: s.partitions, actual });
      }
    }
    return { created: missing.map((s) => s.topic), existing: existingSpecs.map((s) => s.topic), mismatched };
  });
}

/** Runs `fn` with a connected admin client of the stack (retrying connection failures a few times). */
export async function withKafkaAdmin<T>(
  brokers: string[],
  security: KafkaSecurity | undefined,
  fn: (admin: Admin) => Promise<T>,
): Promise<T> {
  const kafka = new Kafka({
    clientId: 'orderflow-stack',
    brokers,
    ...kafkaClientSecurity(security),
    logLevel: logLevel.NOTHING,
    retry: { retries: 5 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

async function createSome(
  admin: Admin,
  missing: readonly TopicSpec[],
  replication: { factor: number; minInsync: number },
): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    timeout: 30_000,
    topics: missing.map((s) => ({
      topic: s.topic,
      numPartitions: s.partitions,
      replicationFactor: replication.factor,
      configEntries: [
        { name: 'min.insync.replicas', value: String(replication.minInsync) },
        { name: 'unclean.leader.election.enable', value: 'false' },
        ...Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
      ],
    })),
  });
}
