import { RegistryError, SchemaRegistryClient } from '@orderflow/codec';
import type { EventCodec, EventEnvelope } from './codec';
import { on, type ConsumedTopic, type EventContext } from './consumer';
import { stopAll } from './lifecycle';
import { createLogger } from './logger';
import { scopeToOrders, stopSteps, untilAvailable, type StopTargets } from './service-runtime';
import type { SqlExecutor } from './sql';

const logger = createLogger({ service: 'service-runtime-test', level: 'silent' });

function targets(withRedis: boolean): { stopped: string[]; t: StopTargets } {
  const stopped: string[] = [];
  const step = (name: string) => () => {
    stopped.push(name);
    return Promise.resolve();
  };
  return {
    stopped,
    t: {
      http: { close: step('http') },
      consumer: { stop: step('consumer') },
      relay: { stop: step('outbox relay') },
      producer: { disconnect: step('producer') },
      admin: { disconnect: step('kafka admin') },
      redis: withRedis ? { quit: step('redis') } : undefined,
      db: { $disconnect: step('database') },
    },
  };
}

describe('stopSteps', () => {
  it('stops HTTP, then the consumer, relay, producer, admin, Redis and last the database', async () => {
    const { stopped, t } = targets(true);
    await stopAll(logger, stopSteps(t));
    expect(stopped).toEqual([
      'http',
      'consumer',
      'outbox relay',
      'producer',
      'kafka admin',
      'redis',
      'database',
    ]);
  });

  it('has no Redis step for a service without Redis', async () => {
    const { stopped, t } = targets(false);
    await stopAll(logger, stopSteps(t));
    expect(stopped).toEqual(['http', 'consumer', 'outbox relay', 'producer', 'kafka admin', 'database']);
  });
});

describe('scopeToOrders', () => {
  type Event = EventEnvelope & { amount: number };
  const codec: EventCodec<Event> = {
    topic: 'test_topic',
    schema: { toString: () => '{}', fromString: (json: string): unknown => JSON.parse(json) },
    encode: (value) => Promise.resolve(Buffer.from(JSON.stringify(value))),
    decode: (bytes) => Promise.resolve(JSON.parse(bytes.toString()) as Event),
    key: (value) => value.orderId ?? value.eventId,
  };
  // A descriptor-shaped topic without a registry behind it: the handler publishes nothing, so no SQL runs.
  const topic: ConsumedTopic<Event> = { topic: 'test_topic', validate: () => [], codec: () => codec };
  const registry = new SchemaRegistryClient({ url: 'http://registry.invalid' });
  const noSql: SqlExecutor = {
    $executeRawUnsafe: () => Promise.reject(new Error('no SQL expected')),
    $queryRawUnsafe: () => Promise.reject(new Error('no SQL expected')),
  };
  const ctx = {
    topic: 'test_topic',
    partition: 0,
    offset: '0',
    headers: {},
    correlationId: undefined,
    traceparent: undefined,
  };

  async function deliver(orderId: string | undefined) {
    const applied: string[] = [];
    const subscription = scopeToOrders(
      on<Event, SqlExecutor>(topic, registry, (event) =>
        Promise.resolve(void applied.push(event.orderId ?? event.eventId)),
      ),
      (id) => id.startsWith('test-'),
    );
    const bytes = Buffer.from(JSON.stringify({ eventId: `e-${orderId ?? 'none'}`, orderId, amount: 1 }));
    // What ConsumerRunner does: decode, record the inbox row, hand the chunk to the subscription.
    const event = await subscription.decode(bytes);
    const results = await subscription.handle([{ event, ctx: { ...ctx } as EventContext }], noSql);
    return { topic: subscription.topic, results: results.length, applied };
  }

  it('runs the handler for an accepted order', async () => {
    expect(await deliver('test-1')).toEqual({
      topic: 'test_topic',
      results: 1,
      applied: ['test-1'],
    });
  });

  it('acknowledges an event of another order without running the handler', async () => {
    expect(await deliver('live-1')).toEqual({
      topic: 'test_topic',
      results: 1,
      applied: [],
    });
  });

  it('runs the handler for an event of no order (reference data, e.g. a catalog price)', async () => {
    expect(await deliver(undefined)).toEqual({
      topic: 'test_topic',
      results: 1,
      applied: ['e-none'],
    });
  });
});

describe('untilAvailable (start-up waits out outages, not misconfigurations)', () => {
  test('a registry answering 500 while its database restarts is waited for', async () => {
    let calls = 0;
    const result = await untilAvailable(logger, 'the registry', () => {
      calls++;
      if (calls < 3) return Promise.reject(new RegistryError('UNAVAILABLE', 'GET /config → 500'));
      return Promise.resolve('ok');
    });
    expect({ result, calls }).toEqual({ result: 'ok', calls: 3 });
  });

  test('a wrong registry URL fails at once, and so does any error that is not an outage', async () => {
    let calls = 0;
    await expect(
      untilAvailable(logger, 'the registry', () => {
        calls++;
        return Promise.reject(new RegistryError('MISCONFIGURED', 'answers 404 without error_code'));
      }),
    ).rejects.toThrow(/404 without error_code/);
    await expect(untilAvailable(logger, 'x', () => Promise.reject(new TypeError('bug')))).rejects.toThrow(
      'bug',
    );
    expect(calls).toBe(1);
  });
});
