import { adminKafkaSecurity, kafkaClientSecurity } from '@orderflow/platform';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { SchemaRegistryClient } from '@orderflow/codec';
import { orderCreated } from '@orderflow/contracts';
import { Kafka, logLevel, type Admin, type KafkaMessage, type Producer } from 'kafkajs';
import { stackEnv } from './stack-env';

// `npm run dlt` against the running stack: a dead letter that is valid now goes back to its topic once
// (same key, value and trace headers, plus dlt-replayed-from); garbage is refused with exit 1 naming its
// offset. Unique order ids, so other suites' messages on the shared topics never match.
const root = path.resolve(__dirname, '..', '..');
const kafka = new Kafka({
  ...kafkaClientSecurity(adminKafkaSecurity()),
  clientId: 'dlt-cli-int-test',
  brokers: stackEnv.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
let admin: Admin;
let producer: Producer;

function dlt(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync('npx', ['tsx', 'stack/src/dlt-cli.ts', ...args], {
    cwd: root,
    env: {
      ...process.env,
      KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl,
    },
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Messages of `topic` written after `from` (per-partition offsets), read with a throwaway group. */
async function readSince(topic: string, from: Map<number, string>): Promise<KafkaMessage[]> {
  const high = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
  const pending = new Set([...high].filter(([p, h]) => h > BigInt(from.get(p) ?? '0')).map(([p]) => p));
  const found: KafkaMessage[] = [];
  if (pending.size === 0) return found;
  const groupId = `dlt-cli-int-test-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let finish: () => void = () => undefined;
  const done = new Promise<void>((r) => (finish = r));
  await consumer.run({
    autoCommit: false,
    eachMessage: ({ partition, message }) => {
      if (BigInt(message.offset) >= BigInt(from.get(partition) ?? '0')) found.push(message);
      if (BigInt(message.offset) + 1n >= (high.get(partition) ?? 0n)) pending.delete(partition);
      if (pending.size === 0) finish();
      return Promise.resolve();
    },
  });
  for (const [p, o] of from) consumer.seek({ topic, partition: p, offset: o });
  await done;
  await consumer.disconnect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  return found;
}

async function offsetsOf(topic: string): Promise<Map<number, string>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
}

const dltHeaders = (code: string, message: string): Record<string, string> => ({
  'dlt-original-topic': 'order_created',
  'dlt-original-partition': '0',
  'dlt-original-offset': '42',
  'dlt-error-code': code,
  'dlt-error-message': message,
});

beforeAll(async () => {
  admin = kafka.admin();
  producer = kafka.producer();
  await admin.connect();
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await admin.disconnect();
});

test('replay sends a now-valid dead letter back to order_created once, with its key and trace headers', async () => {
  const codec = orderCreated.codec(new SchemaRegistryClient({ url: stackEnv.schemaRegistryUrl }));
  const orderId = randomUUID();
  const eventId = randomUUID();
  const value = await codec.encode({
    eventId,
    occurredAt: new Date(),
    orderId,
    customer: { id: 'c-dlt-test', email: 'dlt@example.com' },
    lines: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 1999 }],
    amountMinor: 1999,
    currency: 'EUR',
  });
  const trace = {
    'correlation-id': `corr-${orderId}`,
    traceparent: `00-${randomUUID().replace(/-/g, '')}-${'a'.repeat(16)}-01`,
    'causation-id': `cause-${orderId}`,
  };
  const [meta] = await producer.send({
    topic: 'order_created.DLT',
    acks: -1,
    messages: [
      { key: orderId, value, headers: { ...trace, ...dltHeaders('HANDLER_FAILED', 'inventory db said no') } },
    ],
  });
  const at = `${meta?.partition}:${meta?.baseOffset}`;
  const before = await offsetsOf('order_created');

  const list = dlt('list');
  expect(list.code).toBe(0);
  expect(list.out).toMatch(/^order_created\.DLT\s+\|\s+[1-9]\d*\s+\|.*HANDLER_FAILED/m);

  const show = dlt('show', 'order_created', '--offset', at);
  expect(show.code).toBe(0);
  expect(show.out).toContain(`partition ${meta?.partition} offset ${meta?.baseOffset}`);
  expect(show.out).toContain('dlt-error-code: HANDLER_FAILED');
  expect(show.out).toContain(`correlation-id: corr-${orderId}`);
  expect(show.out).toContain(`"orderId": "${orderId}"`);
  expect(show.out).toContain('not replayed');

  const replay = dlt('replay', 'order_created', '--offset', at);
  expect(replay.err).toBe('');
  expect(replay.out).toContain(
    `order_created.DLT partition ${meta?.partition} offset ${meta?.baseOffset}: replayed`,
  );
  expect(replay.code).toBe(0);

  // Replaying again (by offset, or everything not yet replayed) sends nothing more for this message.
  const again = dlt('replay', 'order_created.DLT', '--offset', at);
  expect(again.code).toBe(0);
  expect(again.out).toMatch(/already replayed/);

  const replayed = (await readSince('order_created', before)).filter((m) => m.key?.toString() === orderId);
  expect(replayed).toHaveLength(1);
  const [m] = replayed;
  expect(m?.value?.equals(value)).toBe(true);
  const headers = Object.fromEntries(Object.entries(m?.headers ?? {}).map(([k, v]) => [k, String(v)]));
  expect(headers).toMatchObject({
    ...trace,
    'dlt-replayed-from': `order_created.DLT/${meta?.partition}/${meta?.baseOffset}`,
  });
  expect(Object.keys(headers).filter((k) => k.startsWith('dlt-') && k !== 'dlt-replayed-from')).toEqual([]);
  expect((await codec.decode(m?.value as Buffer)).eventId).toBe(eventId);
  expect(dlt('show', 'order_created', '--offset', at).out).toMatch(/offset \d+ .* replayed$/m);
}, 180_000);

test('replay refuses a dead letter that still does not decode: exit 1 naming its offset, nothing sent', async () => {
  const key = randomUUID();
  const [meta] = await producer.send({
    topic: 'order_created.DLT',
    acks: -1,
    messages: [
      { key, value: Buffer.from('definitely not avro'), headers: dltHeaders('BAD_FRAMING', 'magic byte') },
    ],
  });
  const before = await offsetsOf('order_created');

  const show = dlt('show', 'order_created', '--offset', `${meta?.partition}:${meta?.baseOffset}`);
  expect(show.code).toBe(0);
  expect(show.out).toMatch(/value: not decodable \(BAD_FRAMING/);

  const replay = dlt('replay', 'order_created', '--offset', `${meta?.partition}:${meta?.baseOffset}`);
  expect(replay.code).toBe(1);
  expect(replay.err).toContain(
    `order_created.DLT partition ${meta?.partition} offset ${meta?.baseOffset}: not replayed: does not decode`,
  );
  expect(replay.err).toMatch(/BAD_FRAMING/);
  expect((await readSince('order_created', before)).filter((m) => m.key?.toString() === key)).toEqual([]);
}, 180_000);

test('usage errors exit 2 and say what to type', () => {
  const r = dlt('replay', 'order_created');
  expect(r.code).toBe(2);
  expect(r.err).toContain('exactly one of --offset <n|p:n> or --all');
  expect(dlt('show', 'no_such_topic').err).toContain('unknown topic "no_such_topic"');
}, 60_000);
