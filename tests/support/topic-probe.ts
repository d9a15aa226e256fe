import { adminKafkaSecurity, kafkaClientSecurity } from '@orderflow/platform';
// Test helpers for suites that run services against the real saga topics (int and e2e): position a
// consumer group at the topics' current end, and watch topics from "now" for the messages of one order.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type IHeaders } from 'kafkajs';

/** A message seen on a topic, headers as plain strings. */
export interface ProbedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | undefined;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** A kafkajs client for tests (quiet). */
export function probeKafka(brokers: string[] = ['localhost:9092']): Kafka {
  return new Kafka({
    clientId: `probe-${process.pid}`,
    brokers,
    ...kafkaClientSecurity(adminKafkaSecurity()),
    logLevel: logLevel.NOTHING,
  });
}

/**
 * Commits `groupId`'s offsets at the current end of `topics`, so a consumer of that (new) group
 * starts with what is published from now on, without racing its own partition assignment. Does what
 * kafkajs' admin.setOffsets does (a paused member that seeks, commits and leaves), but for every topic
 * in one group join instead of one join per topic.
 */
export async function positionGroupAtEnd(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: { topic: string; partitions: { partition: number; high: string }[] }[];
  try {
    ends = await Promise.all(
      topics.map(async (topic) => ({ topic, partitions: await admin.fetchTopicOffsets(topic) })),
    );
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => {
        consumer.stop().then(resolve, reject);
      });
      consumer
        .run({ autoCommit: true, eachBatchAutoResolve: false, eachBatch: () => Promise.resolve() })
        .catch(reject);
      consumer.pause(topics.map((topic) => ({ topic })));
      for (const { topic, partitions } of ends)
        for (const p of partitions) consumer.seek({ topic, partition: p.partition, offset: p.high });
    });
  } finally {
    await consumer.disconnect();
  }
}

function plainHeaders(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

/** Watches topics from their current end and collects every message (start with `TopicProbe.start`). */
export class TopicProbe {
  readonly messages: ProbedMessage[] = [];

  private constructor(private readonly consumer: Consumer) {}

  /** Starts watching `topics` from their current end. */
  static async start(kafka: Kafka, topics: readonly string[]): Promise<TopicProbe> {
    const groupId = `probe-${randomUUID()}`;
    await positionGroupAtEnd(kafka, groupId, topics);
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    const probe = new TopicProbe(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning: false });
    await consumer.run({
      eachMessage: ({ topic, partition, message }) => {
        probe.messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString(),
          value: message.value,
          headers: plainHeaders(message.headers),
        });
        return Promise.resolve();
      },
    });
    return probe;
  }

  /** The messages of `topic` keyed by `key` seen so far. */
  of(topic: string, key: string): ProbedMessage[] {
    return this.messages.filter((m) => m.topic === topic && m.key === key);
  }

  /** Waits until `count` messages of `topic` keyed by `key` arrived (then returns them), or fails naming what is missing. */
  async waitFor(topic: string, key: string, count = 1, timeoutMs = 20_000): Promise<ProbedMessage[]> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const found = this.of(topic, key);
      if (found.length >= count) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `expected ${count} message(s) on ${topic} keyed ${key} within ${timeoutMs} ms; saw ${this.of(topic, key).length}`,
    );
  }

  /**
   * Waits until `count` messages of `topic` keyed by `key` decode to events `accept` takes, and returns
   * them. Lets a test pick out what the instance under test published when other instances (a running
   * stack) publish to the same topics, e.g. accept = "its eventId is in my outbox".
   */
  async waitForEvents<T>(
    topic: string,
    key: string,
    decode: (bytes: Buffer) => Promise<T>,
    accept: (event: T) => boolean | Promise<boolean>,
    count = 1,
    timeoutMs = 20_000,
  ): Promise<{ message: ProbedMessage; event: T }[]> {
    const end = Date.now() + timeoutMs;
    let found: { message: ProbedMessage; event: T }[] = [];
    while (Date.now() < end) {
      found = [];
      for (const message of this.of(topic, key)) {
        if (message.value === null) continue;
        const event = await decode(message.value);
        if (await accept(event)) found.push({ message, event });
      }
      if (found.length >= count) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `expected ${count} accepted message(s) on ${topic} keyed ${key} within ${timeoutMs} ms; saw ${found.length} accepted of ${this.of(topic, key).length}`,
    );
  }

  /** Stops watching. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** Polls `predicate` until true, or fails after `timeoutMs` with `what`. */
export async function eventually(
  what: string,
  predicate: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms`);
}

/**
 * Order ids of events a test makes up start with this, so service instances under test can be told to
 * handle only those (`acceptOrder: isTestOrderId`) while a live stack shares the topics.
 */
export const TEST_ORDER_PREFIX = 'feedface';

/** A fresh UUID marked as a test order's id. */
export function testOrderId(): string {
  return `${TEST_ORDER_PREFIX}${randomUUID().slice(TEST_ORDER_PREFIX.length)}`;
}

/** True for ids made by `testOrderId`. */
export function isTestOrderId(orderId: string): boolean {
  return orderId.startsWith(TEST_ORDER_PREFIX);
}
