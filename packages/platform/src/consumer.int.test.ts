import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient, type TopicCodec } from '@orderflow/codec';
import type { Producer } from 'kafkajs';
import { ConsumerRunner, on, onBatch, type ConsumedTopic, type JointHandler } from './consumer';
import { PermanentEventError } from './errors';
import { adminKafkaSecurity } from './kafka-security';
import { createKafka, createProducer } from './kafka';
import { createLogger } from './logger';
import { createMetricsRegistry } from './metrics';
import { outgoing } from './outbox';
import {
  REGISTRY_URL,
  eventually,
  readTopic,
  scratchDatabase,
  scratchTopic,
  deleteTopics,
  testCodec,
  testEvent,
  testKafka,
  type TestEvent,
} from './test-support';

type Db = Awaited<ReturnType<typeof scratchDatabase>>;
type Tx = Parameters<Parameters<Db['prisma']['$transaction']>[0]>[0];

jest.setTimeout(60_000);

// The test topic has no generated descriptor: one that validates nothing and hands out the test codec.
const registry = new SchemaRegistryClient({ url: REGISTRY_URL });
const topicOf = (codec: TopicCodec<TestEvent>): ConsumedTopic<TestEvent> => ({
  topic: codec.topic,
  validate: () => [],
  codec: () => codec,
});

describe('ConsumerRunner (real Kafka, registry and PostgreSQL)', () => {
  const kafkaAdmin = testKafka();
  const logger = createLogger({ service: 'platform-test', level: 'silent' });
  const kafka = createKafka({
    clientId: 'platform-consumer-test',
    brokers: ['localhost:9092'],
    security: adminKafkaSecurity(),
    logger,
  });
  let db: Db;
  let producer: Producer;
  const topics: string[] = [];

  beforeAll(async () => {
    db = await scratchDatabase('consumer');
    producer = await createProducer(kafka);
  });
  afterAll(async () => {
    await producer.disconnect();
    await db.drop();
    await deleteTopics(
      kafkaAdmin,
      topics.flatMap((t) => [t, `${t}.DLT`]),
    );
  });

  async function setup(
    label: string,
    handler: (event: TestEvent, tx: Tx) => Promise<void>,
    extra: { maxAttempts?: number; stallAfterMs?: number; lingerMs?: number } = {},
  ) {
    const topic = await scratchTopic(kafkaAdmin, label);
    topics.push(topic);
    const codec = testCodec(topic);
    const outCodec = testCodec(`${topic}_out`);
    const metrics = createMetricsRegistry('platform-test', { defaultMetrics: false });
    const runner = new ConsumerRunner<Tx>({
      kafka,
      groupId: `platform-test-${label}-${randomUUID().slice(0, 8)}`,
      subscriptions: [
        on(topicOf(codec), registry, async (event: TestEvent, tx: Tx) => {
          await handler(event, tx);
          // The effect: the outgoing event this one causes, which the runtime enqueues in the handler's
          // transaction (outbox and inbox are the tables every service has, so the test does not depend
          // on a service's domain tables, which their owners change).
          return [outgoing(outCodec, testEvent({ orderId: event.orderId }))];
        }),
      ],
      transaction: (fn) => db.prisma.$transaction(fn),
      producer,
      logger,
      metrics,
      backoff: { initialMs: 50, maxMs: 400 },
      ...extra,
    });
    return { topic, codec, runner, metrics };
  }

  const countEffects = (orderId: string): Promise<number> =>
    db.prisma.outboxEvent.count({ where: { key: orderId } });

  it('handles a valid event once even when it is delivered twice (inbox), committing the effect and its outbox row together', async () => {
    const { topic, codec, runner, metrics } = await setup('dedupe', () => Promise.resolve());
    const event = testEvent();
    const bytes = await codec.encode(event);
    const headers = {
      'correlation-id': 'corr-42',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    // The same event twice: what a producer retry or a relay crash between send and mark looks like.
    await producer.send({
      topic,
      messages: [
        { key: event.orderId, value: bytes, headers },
        { key: event.orderId, value: bytes, headers },
      ],
    });
    await runner.start();
    try {
      await eventually(async () =>
        (await metrics.getSingleMetricAsString('orderflow_events_consumed_total')).includes(
          'outcome="duplicate"',
        ),
      );
    } finally {
      await runner.stop();
    }
    expect(await countEffects(event.orderId)).toBe(1);
    expect(await db.prisma.inboxEvent.count({ where: { eventId: event.eventId } })).toBe(1);
    const outbox = await db.prisma.outboxEvent.findMany({ where: { key: event.orderId } });
    expect(await db.prisma.inboxEvent.count({ where: { topic } })).toBe(1);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]?.headers).toMatchObject({
      'correlation-id': 'corr-42',
      'causation-id': event.eventId,
      traceparent: expect.stringMatching(/^00-0af7651916cd43dd8448eb211c80319c-/) as unknown,
    });
    const counted = await metrics.getSingleMetricAsString('orderflow_events_consumed_total');
    expect(counted).toContain(
      `orderflow_events_consumed_total{topic="${topic}",outcome="handled",service="platform-test"} 1`,
    );
    expect(counted).toContain(
      `orderflow_events_consumed_total{topic="${topic}",outcome="duplicate",service="platform-test"} 1`,
    );
  });

  it('dead-letters a garbage message with its origin and error, and still processes the next message', async () => {
    const { topic, codec, runner } = await setup('dlt', () => Promise.resolve());
    const good = testEvent();
    // Same key, so both land on one partition and the good one comes after the garbage.
    await producer.send({
      topic,
      messages: [
        {
          key: good.orderId,
          value: Buffer.from('not avro at all'),
          headers: { 'correlation-id': 'corr-bad' },
        },
        { key: good.orderId, value: await codec.encode(good) },
      ],
    });
    await runner.start();
    try {
      await eventually(async () => (await countEffects(good.orderId)) === 1);
    } finally {
      await runner.stop();
    }
    const dead = await readTopic(kafkaAdmin, `${topic}.DLT`, 1);
    expect(dead).toHaveLength(1);
    const [d] = dead as [(typeof dead)[number]];
    expect(d.value?.toString()).toBe('not avro at all');
    expect(d.key).toBe(good.orderId);
    expect(d.headers).toMatchObject({
      'dlt-original-topic': topic,
      'dlt-original-offset': '0',
      'dlt-error-code': 'CodecError:BAD_FRAMING',
      'correlation-id': 'corr-bad',
    });
    expect(d.headers['dlt-original-partition']).toMatch(/^[0-2]$/);
    expect(d.headers['dlt-error-message']).toBeTruthy();
  });

  it('retries a handler that fails transiently, never dead-letters it, and applies the effect once', async () => {
    let failures = 0;
    const { topic, codec, runner, metrics } = await setup('retry', () => {
      if (failures < 3) {
        failures++;
        return Promise.reject(
          Object.assign(new Error('connection terminated unexpectedly'), { code: 'ECONNRESET' }),
        );
      }
      return Promise.resolve();
    });
    const event = testEvent();
    await producer.send({ topic, messages: [{ key: event.orderId, value: await codec.encode(event) }] });
    await runner.start();
    try {
      await eventually(async () => (await countEffects(event.orderId)) === 1);
    } finally {
      await runner.stop();
    }
    expect(failures).toBe(3);
    expect(await metrics.getSingleMetricAsString('orderflow_event_handler_retries_total')).toContain(
      `{topic="${topic}",class="transient",service="platform-test"} 3`,
    );
    expect(await readTopic(kafkaAdmin, `${topic}.DLT`, 1, { timeoutMs: 2000, settleMs: 0 })).toHaveLength(0);
  });

  it('commits the offset of every handled event (20 events → the committed offsets of the group add up to 20)', async () => {
    const { topic, codec, runner } = await setup('restart', () => Promise.resolve());
    const events = Array.from({ length: 20 }, () => testEvent());
    await producer.send({
      topic,
      messages: await Promise.all(
        events.map(async (e) => ({ key: e.orderId, value: await codec.encode(e) })),
      ),
    });
    await runner.start();
    await eventually(
      async () =>
        (await db.prisma.outboxEvent.count({ where: { key: { in: events.map((e) => e.orderId) } } })) === 20,
    );
    await runner.stop();
    const admin = kafkaAdmin.admin();
    await admin.connect();
    try {
      const groupId = (runner as unknown as { opts: { groupId: string } }).opts.groupId;
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = offsets[0]?.partitions.reduce((n, p) => n + Number(p.offset), 0);
      expect(committed).toBe(20);
    } finally {
      await admin.disconnect();
    }
  });

  it('one message failing with an unknown error stops only itself: the other partitions and the messages after it are handled, it is dead-lettered after maxAttempts', async () => {
    const poison = testEvent();
    let poisonAttempts = 0;
    const { topic, codec, runner } = await setup(
      'unknown',
      (event) => {
        if (event.orderId !== poison.orderId) return Promise.resolve();
        poisonAttempts++;
        // What a lookup of an inherited property ("constructor") used to throw: a plain, non-outage error.
        return Promise.reject(new TypeError('token.startsWith is not a function'));
      },
      { maxAttempts: 4 },
    );
    const others = Array.from({ length: 6 }, () => testEvent());
    // The poison first on partition 0, then ordinary events on every partition, two after it on partition 0.
    await producer.send({
      topic,
      messages: [
        { partition: 0, key: poison.orderId, value: await codec.encode(poison) },
        ...(await Promise.all(
          others.map(async (e, i) => ({ partition: i % 3, key: e.orderId, value: await codec.encode(e) })),
        )),
      ],
    });
    await runner.start();
    try {
      await eventually(async () => {
        const n = await db.prisma.outboxEvent.count({ where: { key: { in: others.map((e) => e.orderId) } } });
        return n === others.length;
      });
      const dead = await readTopic(kafkaAdmin, `${topic}.DLT`, 1);
      expect(dead).toHaveLength(1);
      expect(dead[0]?.key).toBe(poison.orderId);
      expect(dead[0]?.headers).toMatchObject({
        'dlt-original-topic': topic,
        'dlt-original-partition': '0',
        'dlt-original-offset': '0',
        'dlt-error-code': 'TypeError',
        'dlt-error-class': 'bounded',
        'dlt-attempts': '4',
      });
    } finally {
      await runner.stop();
    }
    // Each attempt ran the handler at least once (a chunk holding the poison is split down to it alone).
    expect(poisonAttempts).toBeGreaterThanOrEqual(4);
    expect(await countEffects(poison.orderId)).toBe(0);
    expect(runner.stalledPartitions()).toEqual([]);
  });

  it('a partition waiting out an outage is paused while the other partitions keep flowing; when the outage ends its message is handled once, nothing dead-lettered', async () => {
    const stuck = testEvent();
    let outage = true;
    let stuckAttempts = 0;
    const { topic, codec, runner } = await setup(
      'outage',
      (event) => {
        if (event.orderId !== stuck.orderId || !outage) return Promise.resolve();
        stuckAttempts++;
        return Promise.reject(
          Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
        );
      },
      { maxAttempts: 2 },
    );
    await producer.send({
      topic,
      messages: [{ partition: 1, key: stuck.orderId, value: await codec.encode(stuck) }],
    });
    await runner.start();
    try {
      await eventually(() => Promise.resolve(stuckAttempts >= 3));
      // Sent while partition 1 waits: these must not wait with it.
      const later = Array.from({ length: 6 }, () => testEvent());
      await producer.send({
        topic,
        messages: await Promise.all(
          later.map(async (e, i) => ({ partition: i % 3, key: e.orderId, value: await codec.encode(e) })),
        ),
      });
      const onOtherPartitions = later.filter((_, i) => i % 3 !== 1).map((e) => e.orderId);
      await eventually(
        async () =>
          (await db.prisma.outboxEvent.count({ where: { key: { in: onOtherPartitions } } })) ===
          onOtherPartitions.length,
      );
      expect(await countEffects(stuck.orderId)).toBe(0);
      expect(runner.stalledPartitions()).toMatchObject([
        { topic, partition: 1, offset: '0', failureClass: 'transient' },
      ]);
      // The outage is over: the stuck event and the ones queued behind it are handled, each once.
      outage = false;
      await eventually(
        async () =>
          (await db.prisma.outboxEvent.count({
            where: { key: { in: [stuck.orderId, ...later.map((e) => e.orderId)] } },
          })) ===
          later.length + 1,
      );
    } finally {
      await runner.stop();
    }
    expect(stuckAttempts).toBeGreaterThan(2);
    expect(await readTopic(kafkaAdmin, `${topic}.DLT`, 1, { timeoutMs: 2000, settleMs: 0 })).toHaveLength(0);
  });

  it('a member that stops fetching while its partitions hold unhandled messages is recreated by the watchdog, and every message is handled once; an idle member is left alone', async () => {
    const { topic, codec, runner, metrics } = await setup('stall', () => Promise.resolve(), {
      stallAfterMs: 2000,
    });
    const stallRestarts = async (): Promise<number> =>
      (await metrics.getSingleMetric('orderflow_consumer_stall_restarts_total')?.get())?.values.reduce(
        (sum, v) => sum + v.value,
        0,
      ) ?? 0;
    const first = testEvent();
    await producer.send({ topic, messages: [{ key: first.orderId, value: await codec.encode(first) }] });
    await runner.start();
    try {
      await eventually(async () => (await countEffects(first.orderId)) === 1);
      // Caught up and idle for three watchdog periods: nothing to recreate.
      await new Promise((r) => setTimeout(r, 6000));
      expect(await stallRestarts()).toBe(0);
      // kafkajs stops fetching (as after a controller failover) while messages arrive.
      runner.kafkaConsumer.pause([{ topic }]);
      const later = Array.from({ length: 6 }, () => testEvent());
      await producer.send({
        topic,
        messages: await Promise.all(
          later.map(async (e, i) => ({ partition: i % 3, key: e.orderId, value: await codec.encode(e) })),
        ),
      });
      const keys = later.map((e) => e.orderId);
      await eventually(
        async () => (await db.prisma.outboxEvent.count({ where: { key: { in: keys } } })) === keys.length,
        40_000,
      );
      expect(await stallRestarts()).toBe(1);
      expect(runner.state.state).toBe('running');
    } finally {
      await runner.stop();
    }
    expect(await countEffects(first.orderId)).toBe(1);
  });

  it('handles a partition in chunks of one transaction each; a bad event inside a chunk is split out and dead-lettered alone, every other event applied once', async () => {
    const events = Array.from({ length: 40 }, () => testEvent());
    const poison = events[17]!;
    const { topic, codec, runner, metrics } = await setup('chunks', (event) =>
      event.orderId === poison.orderId
        ? Promise.reject(new PermanentEventError('INVALID_EVENT', 'amount out of range'))
        : Promise.resolve(),
    );
    // One partition, in this order: the poison sits in the middle of what one fetch returns.
    await producer.send({
      topic,
      messages: await Promise.all(
        events.map(async (e) => ({ partition: 0, key: e.orderId, value: await codec.encode(e) })),
      ),
    });
    // Each good event once (one outbox row and one inbox row each); the poison left nothing behind.
    const good = await expectOnlyPoisonDeadLettered(runner, topic, events, poison, {
      'dlt-original-offset': '17',
      'dlt-error-class': 'permanent',
    });
    expect(await db.prisma.inboxEvent.count({ where: { topic } })).toBe(good.length);
    // Batched: fewer transactions committed than events handled.
    const chunks = await metrics.getSingleMetricAsString('orderflow_consumer_chunk_messages');
    const count = /orderflow_consumer_chunk_messages_count\{[^}]*\} (\d+)/.exec(chunks);
    const sum = /orderflow_consumer_chunk_messages_sum\{[^}]*\} (\d+)/.exec(chunks);
    expect(Number(sum?.[1])).toBe(good.length);
    expect(Number(count?.[1])).toBeLessThan(good.length);
  });

  /**
   * Starts `runner`, waits until every event but `poison` took effect, and checks that each took effect
   * once and that `poison` alone was dead-lettered, with the DLT headers `dlt`. Returns the good events' keys.
   */
  async function expectOnlyPoisonDeadLettered(
    runner: ConsumerRunner<Tx>,
    topic: string,
    events: readonly TestEvent[],
    poison: TestEvent,
    dlt: Record<string, string>,
  ): Promise<string[]> {
    await runner.start();
    const good = events.filter((e) => e !== poison).map((e) => e.orderId);
    try {
      await eventually(
        async () => (await db.prisma.outboxEvent.count({ where: { key: { in: good } } })) === good.length,
      );
      const dead = await readTopic(kafkaAdmin, `${topic}.DLT`, 1);
      expect(dead.map((d) => [d.key, ...Object.keys(dlt).map((k) => d.headers[k])])).toEqual([
        [poison.orderId, ...Object.values(dlt)],
      ]);
    } finally {
      await runner.stop();
    }
    const perKey = await db.prisma.outboxEvent.groupBy({
      by: ['key'],
      where: { key: { in: good } },
      _count: true,
    });
    expect(perKey).toHaveLength(good.length);
    expect(perKey.every((g) => g._count === 1)).toBe(true);
    expect(await countEffects(poison.orderId)).toBe(0);
    return good;
  }

  /** Starts `runner` on one event and stops it once handled: the schema is cached, and the next start's first fetch returns everything sent meanwhile. */
  async function warmUp(
    runner: ConsumerRunner<Tx>,
    topic: string,
    codec: TopicCodec<TestEvent>,
  ): Promise<void> {
    const first = testEvent();
    await producer.send({
      topic,
      messages: [{ partition: 0, key: first.orderId, value: await codec.encode(first) }],
    });
    await runner.start();
    await eventually(async () => (await countEffects(first.orderId)) === 1);
    await runner.stop();
  }

  /** Inbox rows of `topic` grouped by the transaction that wrote them (rows of one transaction share its xmin). */
  const transactionsOf = (topic: string) =>
    db.prisma.$queryRawUnsafe<{ partitions: number; events: number }[]>(
      `SELECT count(DISTINCT "partition")::int AS partitions, count(*)::int AS events
         FROM "inbox" WHERE topic = $1 GROUP BY xmin::text`,
      topic,
    );

  it('takes the chunks of the partitions one fetch returns in one transaction, each partition in order', async () => {
    const seen: string[] = [];
    const { topic, codec, runner, metrics } = await setup('joined', (event) => {
      seen.push(event.orderId);
      return Promise.resolve();
    });
    await warmUp(runner, topic, codec);
    seen.length = 0;
    const events = Array.from({ length: 36 }, () => testEvent());
    await producer.send({
      topic,
      messages: await Promise.all(
        events.map(async (e, i) => ({ partition: i % 3, key: e.orderId, value: await codec.encode(e) })),
      ),
    });
    await runner.start();
    try {
      await eventually(async () => (await transactionsOf(topic)).reduce((n, t) => n + t.events, 0) === 37);
    } finally {
      await runner.stop();
    }
    // The three partitions' batches of the first fetch: one commit instead of three.
    const transactions = await transactionsOf(topic);
    expect(Math.max(...transactions.map((t) => t.partitions))).toBe(3);
    for (const p of [0, 1, 2]) {
      const mine = events.filter((_, i) => i % 3 === p).map((e) => e.orderId);
      expect(seen.filter((id) => mine.includes(id))).toEqual(mine);
    }
    const perTransaction = await metrics.getSingleMetricAsString('orderflow_consumer_transaction_messages');
    expect(Number(/_sum\{[^}]*\} (\d+)/.exec(perTransaction)?.[1])).toBe(37);
    expect(Number(/_count\{[^}]*\} (\d+)/.exec(perTransaction)?.[1])).toBeLessThan(4);
  });

  it('a caught-up partition lingers before its next fetch: events arriving one by one share transactions, each handled once and in order', async () => {
    const seen: string[] = [];
    const { topic, codec, runner, metrics } = await setup(
      'linger',
      (event) => {
        seen.push(event.orderId);
        return Promise.resolve();
      },
      { lingerMs: 300 },
    );
    await warmUp(runner, topic, codec);
    seen.length = 0;
    await runner.start();
    const events = Array.from({ length: 16 }, () => testEvent());
    try {
      // 25 ms apart, one partition: without the linger each fetch returns at the first event.
      for (const e of events) {
        await producer.send({
          topic,
          messages: [{ partition: 0, key: e.orderId, value: await codec.encode(e) }],
        });
        await new Promise((r) => setTimeout(r, 25));
      }
      await eventually(async () => (await transactionsOf(topic)).reduce((n, t) => n + t.events, 0) === 17);
    } finally {
      await runner.stop();
    }
    expect(seen).toEqual(events.map((e) => e.orderId));
    const transactions = await transactionsOf(topic);
    // The warm-up's own transaction, then 16 events in at most a handful (one per 300 ms of arrivals).
    expect(transactions.length - 1).toBeLessThanOrEqual(4);
    const perTransaction = await metrics.getSingleMetricAsString('orderflow_consumer_transaction_messages');
    expect(Number(/_sum\{[^}]*\} (\d+)/.exec(perTransaction)?.[1])).toBe(17);
  });

  it('a bad event in one partition of a joined transaction fails only its own chunk: it alone is dead-lettered, every other event applied once', async () => {
    const events = Array.from({ length: 36 }, () => testEvent());
    const poison = events[13]!;
    const { topic, codec, runner } = await setup('joined-poison', (event) =>
      event.orderId === poison.orderId
        ? Promise.reject(new PermanentEventError('INVALID_EVENT', 'amount out of range'))
        : Promise.resolve(),
    );
    await warmUp(runner, topic, codec);
    // Twelve events on each partition; the poison is partition 1's fifth (offset 4).
    await producer.send({
      topic,
      messages: await Promise.all(
        events.map(async (e, i) => ({ partition: i % 3, key: e.orderId, value: await codec.encode(e) })),
      ),
    });
    const good = await expectOnlyPoisonDeadLettered(runner, topic, events, poison, {
      'dlt-original-partition': '1',
      'dlt-original-offset': '4',
    });
    // The warm-up's event and every good one, each once.
    expect((await transactionsOf(topic)).reduce((n, t) => n + t.events, 0)).toBe(good.length + 1);
  });
  it('gives the events of subscriptions sharing a joint handler to it in one call, whatever their topics, each once', async () => {
    const [topicA, topicB] = await Promise.all([
      scratchTopic(kafkaAdmin, 'joint-a'),
      scratchTopic(kafkaAdmin, 'joint-b'),
    ]);
    topics.push(topicA, topicB);
    const [codecA, codecB] = [testCodec(topicA), testCodec(topicB)];
    const outCodec = testCodec(`${topicA}_out`);
    const calls: string[][] = [];
    const joint: JointHandler<Tx> = {
      handle: (items) => {
        calls.push(items.map((i) => i.ctx.topic));
        return Promise.resolve(
          items.map((i) => [outgoing(outCodec, testEvent({ orderId: (i.event as TestEvent).orderId }))]),
        );
      },
    };
    const alone = () =>
      Promise.reject(new Error('a subscription with a joint handler is never handled alone'));
    const runner = new ConsumerRunner<Tx>({
      kafka,
      groupId: `platform-test-joint-${randomUUID().slice(0, 8)}`,
      subscriptions: [codecA, codecB].map((codec) => ({
        ...onBatch(topicOf(codec), registry, alone),
        joint,
      })),
      transaction: (fn) => db.prisma.$transaction(fn),
      producer,
      logger,
      metrics: createMetricsRegistry('platform-test', { defaultMetrics: false }),
      backoff: { initialMs: 50, maxMs: 400 },
    });
    const send = async (topic: string, codec: TopicCodec<TestEvent>, events: readonly TestEvent[]) =>
      producer.send({
        topic,
        messages: await Promise.all(
          events.map(async (e, i) => ({ partition: i % 3, key: e.orderId, value: await codec.encode(e) })),
        ),
      });
    // Warm-up (schemas cached), then both topics' events there before the next start's first fetch.
    const warm = [testEvent(), testEvent()];
    await send(topicA, codecA, [warm[0]!]);
    await send(topicB, codecB, [warm[1]!]);
    await runner.start();
    await eventually(
      async () => (await countEffects(warm[0]!.orderId)) + (await countEffects(warm[1]!.orderId)) === 2,
    );
    await runner.stop();
    calls.length = 0;
    const [eventsA, eventsB] = [
      Array.from({ length: 6 }, () => testEvent()),
      Array.from({ length: 6 }, () => testEvent()),
    ];
    await send(topicA, codecA, eventsA);
    await send(topicB, codecB, eventsB);
    const keys = [...eventsA, ...eventsB].map((e) => e.orderId);
    await runner.start();
    try {
      await eventually(
        async () => (await db.prisma.outboxEvent.count({ where: { key: { in: keys } } })) === keys.length,
      );
    } finally {
      await runner.stop();
    }
    expect(calls.flat().sort()).toEqual([...eventsA.map(() => topicA), ...eventsB.map(() => topicB)].sort());
    expect(calls.some((topicsOfCall) => new Set(topicsOfCall).size === 2)).toBe(true);
    const perKey = await db.prisma.outboxEvent.groupBy({
      by: ['key'],
      where: { key: { in: keys } },
      _count: true,
    });
    expect(perKey.map((g) => g._count)).toEqual(keys.map(() => 1));
  });
});
