// The console's view of the topics: one consumer (its own throwaway group, nothing committed) reads every
// saga topic and its DLT from the beginning and keeps each order's events, decoded, in memory (the newest
// `maxOrders` orders). Journeys and the orders list are read from here, so opening a journey costs no
// Kafka round trip.
import { randomUUID } from 'node:crypto';
import type { SchemaRegistryClient } from '@orderflow/codec';
import { headerText } from '@orderflow/stack/dead-letters';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '@orderflow/platform';
import { DESCRIPTORS, keyedByOrder, toPlainJson, type SeenEvent } from '../shaping';

/** What the index keeps of one order. */
export interface TrackedOrder {
  orderId: string;
  events: SeenEvent[];
  deadLetters: SeenEvent[];
}

/** The largest number of events or dead letters kept per order (a hostile key cannot grow one without bound). */
const MAX_PER_ORDER = 200;

/** The in-memory index of orders by id, oldest first seen evicted first. */
export class OrderIndex {
  private readonly orders = new Map<string, TrackedOrder>();

  constructor(private readonly maxOrders: number) {}

  /** Records one decoded event (`dead` for a DLT message) of `orderId`. */
  add(orderId: string, event: SeenEvent, dead: boolean): void {
    let o = this.orders.get(orderId);
    if (o === undefined) {
      o = { orderId, events: [], deadLetters: [] };
      this.orders.set(orderId, o);
      while (this.orders.size > this.maxOrders) {
        const oldest = this.orders.keys().next().value;
        if (oldest === undefined) break;
        this.orders.delete(oldest);
      }
    }
    const list = dead ? o.deadLetters : o.events;
    // A redelivery (a rebalance re-reads from the last position) is not a second event.
    if (
      list.some(
        (e) => e.topic === event.topic && e.partition === event.partition && e.offset === event.offset,
      )
    )
      return;
    if (list.length < MAX_PER_ORDER) list.push(event);
  }

  get(orderId: string): TrackedOrder | undefined {
    return this.orders.get(orderId);
  }

  all(): TrackedOrder[] {
    return [...this.orders.values()];
  }
}

/** Reads the saga topics and their DLTs into an OrderIndex. */
export class TopicReader {
  readonly index: OrderIndex;
  private consumer: Consumer | undefined;
  private readonly groupId = `orderflow-console-${randomUUID()}`;
  private running = false;
  private failure: string | undefined;
  /** One codec per topic (each caches the writer schemas it fetched). */
  private readonly codecs = new Map<string, { decode(bytes: Buffer): Promise<unknown> }>();

  constructor(
    private readonly kafka: Kafka,
    private readonly registry: SchemaRegistryClient,
    private readonly logger: Logger,
    maxOrders: number,
  ) {
    this.index = new OrderIndex(maxOrders);
  }

  /** Starts reading (returns once subscribed; reading goes on in the background). */
  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      this.running = false;
      this.failure = String((e.payload as { error?: unknown }).error);
      this.logger.error({ err: (e.payload as { error?: unknown }).error }, 'topic reader crashed');
    });
    const order = DESCRIPTORS.filter(keyedByOrder);
    const topics = [...order.map((d) => d.topic), ...order.map((d) => d.deadLetterTopic)];
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        await this.take(topic, partition, message);
      },
    });
    this.running = true;
    this.failure = undefined;
  }

  /** Throws when the reader is not reading (for /ready). */
  check(): void {
    if (!this.running)
      throw new Error(`the topic reader is not running${this.failure ? `: ${this.failure}` : ''}`);
  }

  private async take(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const dead = topic.endsWith('.DLT');
    const table = dead ? topic.slice(0, -'.DLT'.length) : topic;
    const descriptor = DESCRIPTORS.find((d) => d.topic === table);
    const orderId = message.key?.toString('utf8');
    if (descriptor === undefined || orderId === undefined || orderId.length > 200) return;
    const value = message.value;
    const event: SeenEvent = {
      topic,
      partition,
      offset: message.offset,
      timestamp: new Date(Number(message.timestamp)).toISOString(),
      schemaId: value !== null && value.length >= 5 && value[0] === 0 ? value.readUInt32BE(1) : null,
      headers: headerText(message.headers ?? {}),
    };
    if (value === null) event.error = 'the message has no value';
    else {
      try {
        let codec = this.codecs.get(descriptor.topic);
        if (codec === undefined) {
          codec = descriptor.codec(this.registry);
          this.codecs.set(descriptor.topic, codec);
        }
        event.value = toPlainJson(await codec.decode(value)) as Record<string, unknown>;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        event.error = `${typeof code === 'string' ? `${code}: ` : ''}${err instanceof Error ? err.message : String(err)}`;
      }
    }
    this.index.add(orderId, event, dead);
  }

  /** Stops reading and deletes the throwaway group. */
  async close(): Promise<void> {
    this.running = false;
    const consumer = this.consumer;
    if (consumer === undefined) return;
    await consumer.disconnect().catch(() => undefined);
    const admin = this.kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([this.groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
  }
}
