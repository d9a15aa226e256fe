// One order's trace across the platform's seams, in one process: HTTP request → outbox row → relay
// send → consume → handler transaction → next outbox row → relay send, and a dead letter. The
// database, the broker and the registry are small in-memory stand-ins for exactly the statements and
// calls the platform makes; the spans are the real SDK's, kept by an InMemorySpanExporter.
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { EachBatchPayload, Kafka, KafkaMessage, Message, ProducerBatch, ProducerRecord } from 'kafkajs';
import { ConsumerRunner, type Subscription } from './consumer';
import type { EventCodec, EventEnvelope } from './codec';
import { DltHeaders } from './dead-letter';
import { PermanentEventError } from './errors';
import { createHttpApp, listen, requestContext } from './http';
import { createLogger } from './logger';
import { createMetricsRegistry } from './metrics';
import { enqueueOutbox, outgoing } from './outbox';
import { OutboxRelay } from './outbox-relay';
import { traceparentOf, tracingEnabled } from './spans';
import type { SqlExecutor } from './sql';
import { recordSpans } from './test-support';
import { eventHeaders } from './tracing';

interface Event extends EventEnvelope {
  eventId: string;
  orderId: string;
  step: string;
}

const logger = createLogger({ service: 'test', level: 'silent' });

function codec(topic: string): EventCodec<Event> {
  return {
    topic,
    encode: (e: Event) => Promise.resolve(Buffer.from(JSON.stringify(e))),
    decode: (bytes: Buffer) => Promise.resolve(JSON.parse(bytes.toString()) as Event),
    key: (e: Event) => e.orderId,
  } as unknown as EventCodec<Event>;
}
const orderCreated = codec('order_created');
const paymentSuccessful = codec('payment_successful');

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  published: boolean;
}

/** The outbox and inbox tables, answering the statements enqueueOutgoing, recordInbox and the relay send. */
class FakeDatabase implements SqlExecutor {
  readonly outbox: OutboxRow[] = [];
  private readonly inbox = new Set<string>();

  $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number> {
    if (!sql.includes('INSERT INTO "outbox"')) return Promise.reject(new Error(`unexpected SQL: ${sql}`));
    const [ids, topics, keys, bytes, headers] = values as [string[], string[], string[], Buffer[], string[]];
    ids.forEach((_, i) =>
      this.outbox.push({
        id: String(this.outbox.length + 1),
        topic: topics[i]!,
        key: keys[i]!,
        value: bytes[i]!,
        // jsonb: the JSON text the writer bound comes back as an object.
        headers: JSON.parse(headers[i]!) as Record<string, string>,
        published: false,
      }),
    );
    return Promise.resolve(ids.length);
  }

  $queryRawUnsafe<T>(sql: string, ...values: unknown[]): Promise<T> {
    if (!sql.includes('INSERT INTO "inbox"')) return Promise.reject(new Error(`unexpected SQL: ${sql}`));
    const fresh = (values[1] as string[]).filter((id) => !this.inbox.has(id));
    fresh.forEach((id) => this.inbox.add(id));
    return Promise.resolve(fresh.map((event_id) => ({ event_id })) as T);
  }

  /** The relay's pool: the lead's advisory lock, the batch SELECT and the published mark. */
  relayPool() {
    const query = (sql: string, params: unknown[] = []) => {
      if (sql.includes('pg_try_advisory_lock')) return Promise.resolve({ rows: [{ held: true }] });
      if (sql.startsWith('SELECT id::text'))
        return Promise.resolve({ rows: this.outbox.filter((r) => !r.published).map((r) => ({ ...r })) });
      if (sql.startsWith('UPDATE "outbox"')) {
        const ids = params[0] as string[];
        this.outbox.filter((r) => ids.includes(r.id)).forEach((r) => (r.published = true));
        return Promise.resolve({ rows: [], rowCount: ids.length });
      }
      return Promise.reject(new Error(`unexpected relay SQL: ${sql}`));
    };
    return {
      query,
      connect: () => Promise.resolve({ query, release: () => undefined, on: () => undefined }),
    };
  }
}

/** The broker: what the relay and the dead-lettering sent, per topic. */
class FakeBroker {
  readonly sent: { topic: string; message: Message }[] = [];
  sendBatch(batch: ProducerBatch): Promise<[]> {
    for (const { topic, messages } of batch.topicMessages ?? [])
      for (const message of messages) this.sent.push({ topic, message });
    return Promise.resolve([]);
  }
  send(record: ProducerRecord): Promise<[]> {
    for (const message of record.messages) this.sent.push({ topic: record.topic, message });
    return Promise.resolve([]);
  }
  take(topic: string): Message[] {
    const taken = this.sent.filter((s) => s.topic === topic).map((s) => s.message);
    this.sent.splice(0, this.sent.length, ...this.sent.filter((s) => s.topic !== topic));
    return taken;
  }
}

function relayFor(db: FakeDatabase, broker: FakeBroker): OutboxRelay {
  const relay = new OutboxRelay({
    databaseUrl: 'postgresql://unused.invalid/none',
    producer: broker,
    codecs: [],
    logger,
    metrics: createMetricsRegistry('test', { defaultMetrics: false }),
  });
  // The relay's own pool is never connected: its statements go to the in-memory tables.
  (relay as unknown as { pool: unknown }).pool = db.relayPool();
  return relay;
}

/** A consumer runner over a stand-in kafkajs client; batches are handed to it as kafkajs would. */
function consumerFor(db: FakeDatabase, broker: FakeBroker, subscription: Subscription<SqlExecutor>) {
  const kafka = {
    consumer: () => ({ events: { CRASH: 'crash', GROUP_JOIN: 'join', STOP: 'stop' }, on: () => undefined }),
  } as unknown as Kafka;
  const runner = new ConsumerRunner<SqlExecutor>({
    kafka,
    groupId: 'payment-service',
    subscriptions: [subscription],
    transaction: (fn) => fn(db),
    producer: broker,
    logger,
    metrics: createMetricsRegistry('test', { defaultMetrics: false }),
    maxAttempts: 1,
  });
  return async (topic: string, messages: Message[]): Promise<void> => {
    const fetched = messages.map(
      (m, i) => ({ ...m, offset: String(i), timestamp: '0', attributes: 0 }) as unknown as KafkaMessage,
    );
    const payload = {
      batch: { topic, partition: 0, highWatermark: String(fetched.length), messages: fetched },
      isRunning: () => true,
      isStale: () => false,
      resolveOffset: () => undefined,
      heartbeat: () => Promise.resolve(),
      pause: () => () => undefined,
    } as unknown as EachBatchPayload;
    await (runner as unknown as { eachBatch(p: EachBatchPayload): Promise<void> }).eachBatch(payload);
  };
}

/** Capture payment: order_created → payment_successful, as the payment service's handler returns it. */
function capturePayment(): Subscription<SqlExecutor> {
  return {
    topic: orderCreated.topic,
    decode: async (bytes) => {
      const event = await orderCreated.decode(bytes);
      if (event.step === 'poison')
        throw new PermanentEventError('INVALID_EVENT', 'invalid order_created event');
      return event;
    },
    handle: (items) =>
      Promise.resolve(
        items.map(({ event }) => [
          outgoing(paymentSuccessful, {
            eventId: `${event.eventId}-paid`,
            orderId: (event as Event).orderId,
            step: 'paid',
          }),
        ]),
      ),
  };
}

const CLIENT_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function header(message: Message, name: string): string | undefined {
  const value = message.headers?.[name];
  return value === undefined ? undefined : String(value);
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

function one(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  expect(found.map((s) => s.name)).toEqual([name]);
  return found[0]!;
}

describe('tracing on: one trace across the seams', () => {
  let recording: ReturnType<typeof recordSpans>;
  beforeEach(() => {
    recording = recordSpans();
  });
  afterEach(() => recording.stop());

  it('parents HTTP → outbox row → send → process → handle → next row → send, all in the client’s trace', async () => {
    const db = new FakeDatabase();
    const broker = new FakeBroker();
    const app = createHttpApp({
      logger,
      metrics: createMetricsRegistry('test', { defaultMetrics: false }),
      readiness: [],
      routes: (a) =>
        a.post('/orders', async (_req, res) => {
          const ctx = requestContext(res);
          await enqueueOutbox(
            db,
            orderCreated,
            { eventId: 'e-1', orderId: 'o-1', step: 'created' },
            eventHeaders({ correlationId: ctx.correlationId, traceparent: ctx.traceparent }),
          );
          res.status(201).json({ id: 'o-1' });
        }),
    });
    const server = await listen(app, 0);
    try {
      const res = await fetch(`http://127.0.0.1:${(server.server.address() as AddressInfo).port}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: CLIENT_TRACEPARENT },
        body: '{}',
      });
      expect(res.status).toBe(201);
    } finally {
      await server.close();
    }

    const post = one(recording.spans(), 'POST /orders');
    expect(post.kind).toBe(SpanKind.SERVER);
    expect(post.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(parentOf(post)).toBe('b7ad6b7169203331');
    expect(post.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/orders',
      'http.response.status_code': 201,
      'url.path': '/orders',
    });
    // The outbox row carries the request span's own traceparent (no invented span id in between).
    expect(db.outbox[0]!.headers.traceparent).toBe(
      `00-${post.spanContext().traceId}-${post.spanContext().spanId}-01`,
    );

    const relay = relayFor(db, broker);
    expect(await relay.publishBatch()).toBe(1);
    const send = one(recording.spans(), 'send order_created');
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(send)).toBe(post.spanContext().spanId);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'order_created',
      'messaging.operation.type': 'send',
      'messaging.kafka.message.key': 'o-1',
    });
    const [message] = broker.take('order_created');
    expect(header(message!, 'traceparent')).toBe(
      `00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`,
    );
    expect(header(message!, 'correlation-id')).toBe(db.outbox[0]!.headers['correlation-id']);

    await consumerFor(db, broker, capturePayment())('order_created', [message!]);
    const process = one(recording.spans(), 'process order_created');
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(process)).toBe(send.spanContext().spanId);
    expect(process.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'payment-service',
      'messaging.destination.partition.id': '0',
      'messaging.message.id': 'e-1',
      'orderflow.order_id': 'o-1',
      'orderflow.consumer.outcome': 'handled',
    });
    const handle = one(recording.spans(), 'handle order_created');
    expect(handle.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(handle)).toBe(process.spanContext().spanId);
    expect(handle.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'orderflow.chunk.messages': 1,
    });

    // The handler's event is written with the handle span's traceparent, and its send is that span's child.
    const next = db.outbox.find((r) => r.topic === 'payment_successful')!;
    expect(next.headers.traceparent).toBe(
      `00-${handle.spanContext().traceId}-${handle.spanContext().spanId}-01`,
    );
    expect(next.headers['causation-id']).toBe('e-1');
    expect(await relay.publishBatch()).toBe(1);
    const sendNext = one(recording.spans(), 'send payment_successful');
    expect(parentOf(sendNext)).toBe(handle.spanContext().spanId);

    const spans = recording.spans();
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(
      new Set(['0af7651916cd43dd8448eb211c80319c']),
    );
    expect(spans.every((s) => s.status.code !== SpanStatusCode.ERROR)).toBe(true);
  });

  it('dead-letters a poison message under a PRODUCER span of its trace, the dead letter carrying that span', async () => {
    const db = new FakeDatabase();
    const broker = new FakeBroker();
    const upstream = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await consumerFor(
      db,
      broker,
      capturePayment(),
    )('order_created', [
      {
        key: 'o-2',
        value: Buffer.from(JSON.stringify({ eventId: 'e-2', orderId: 'o-2', step: 'poison' })),
        headers: { traceparent: upstream, 'correlation-id': 'c-2' },
      },
    ]);
    const process = one(recording.spans(), 'process order_created');
    expect(parentOf(process)).toBe('00f067aa0ba902b7');
    expect(process.status.code).toBe(SpanStatusCode.ERROR);
    expect(process.attributes).toMatchObject({
      'orderflow.consumer.outcome': 'dead_lettered',
      'error.type': 'PermanentEventError:INVALID_EVENT',
    });
    expect(process.events.map((e) => e.name)).toContain('exception');
    const dlt = one(recording.spans(), 'send order_created.DLT');
    expect(dlt.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(dlt)).toBe(process.spanContext().spanId);
    const [dead] = broker.take('order_created.DLT');
    expect(header(dead!, 'traceparent')).toBe(
      `00-${dlt.spanContext().traceId}-${dlt.spanContext().spanId}-01`,
    );
    expect(header(dead!, DltHeaders.errorClass)).toBe('permanent');
    expect(header(dead!, 'correlation-id')).toBe('c-2');
    expect(recording.spans().find((s) => s.name.startsWith('handle'))).toBeUndefined();
  });

  it('marks a redelivered event a duplicate and the server span of a failing request an error', async () => {
    const db = new FakeDatabase();
    const broker = new FakeBroker();
    const consume = consumerFor(db, broker, capturePayment());
    const message: Message = {
      key: 'o-3',
      value: Buffer.from(JSON.stringify({ eventId: 'e-3', orderId: 'o-3', step: 'created' })),
      headers: { traceparent: CLIENT_TRACEPARENT },
    };
    await consume('order_created', [message]);
    await consume('order_created', [message]);
    const outcomes = recording
      .spans()
      .filter((s) => s.name === 'process order_created')
      .map((s) => s.attributes['orderflow.consumer.outcome']);
    expect(outcomes).toEqual(['handled', 'duplicate']);

    const app = createHttpApp({
      logger,
      metrics: createMetricsRegistry('test', { defaultMetrics: false }),
      readiness: [],
      routes: (a) =>
        a.get('/boom', () => {
          throw new Error('boom');
        }),
    });
    const server = await listen(app, 0);
    const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/boom`)).status).toBe(500);
      expect((await fetch(`${base}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
    const boom = one(recording.spans(), 'GET /boom');
    expect(boom.status.code).toBe(SpanStatusCode.ERROR);
    expect(boom.attributes['error.type']).toBe('500');
    expect(parentOf(boom)).toBeUndefined();
    // Probes are not traced.
    expect(recording.spans().filter((s) => s.name.includes('health'))).toEqual([]);
  });
});

describe('tracing off (the default)', () => {
  it('makes no spans and keeps the headers as they were: same trace id, a new span id', async () => {
    expect(tracingEnabled()).toBe(false);
    const db = new FakeDatabase();
    const broker = new FakeBroker();
    const upstream = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await consumerFor(
      db,
      broker,
      capturePayment(),
    )('order_created', [
      {
        key: 'o-4',
        value: Buffer.from(JSON.stringify({ eventId: 'e-4', orderId: 'o-4', step: 'created' })),
        headers: { traceparent: upstream },
      },
    ]);
    const row = db.outbox[0]!;
    expect(row.headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(row.headers.traceparent).not.toBe(upstream);
    await relayFor(db, broker).publishBatch();
    const [sent] = broker.take('payment_successful');
    // The relay sends the row's headers untouched.
    expect(sent!.headers).toEqual(row.headers);
  });

  it('formats a span context as a W3C traceparent', () => {
    const span = {
      spanContext: () => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 0 }),
    } as unknown as Parameters<typeof traceparentOf>[0];
    expect(traceparentOf(span)).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`);
  });
});
