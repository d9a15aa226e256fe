// Poison on the saga topics: bytes no consumer can ever process, put in front of real orders on every
// partition. Each must land on `<topic>.DLT` with headers naming where it came from and why, and the
// orders behind it must still travel the whole saga (the consumers moved on instead of blocking).
import { randomUUID } from 'node:crypto';
import avro from 'avsc';
import { frame, SchemaRegistryClient } from '@orderflow/codec';
import {
  DeadLetterTopics,
  orderCreatedRegistration,
  orderCreatedSchema,
  Topics,
  topicTable,
} from '@orderflow/contracts';
import { Partitioners } from 'kafkajs';
import type { ApiOrder } from '@orderflow/contracts';
import {
  DECLINING_TOKEN,
  REGISTRY_URL,
  orderRequest,
  readSagaMessages,
  setStock,
  type SagaMessage,
} from '../e2e/support/saga';
import { runningRecord, SERVICES } from '@orderflow/stack';
import { priceSku } from '../support/catalog';
import { probeKafka } from '../support/topic-probe';
import { closeDbs, placeAll, waitAllFinal, type FinalRow } from './support/fault-kit';

type PoisonKind = 'garbage' | 'wrong-magic-byte' | 'unknown-schema-id' | 'avro-bomb' | 'invalid-content';

interface Poison {
  kind: PoisonKind;
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: Buffer;
}

const since = Date.now() - 1000;
const none = `FAULT-POISON-${randomUUID().slice(0, 8).toUpperCase()}`;
const poisons: Poison[] = [];
let next: ApiOrder[] = [];
let finals: FinalRow[] = [];
let dead: SagaMessage[] = [];

// The id order_created-value's schema is registered under: the file as written with its references to the
// shared types (what `npm run schema -- register` registers and the order service writes with).
async function orderCreatedSchemaId(): Promise<number> {
  const registry = new SchemaRegistryClient({ url: REGISTRY_URL });
  const found = await registry.lookupWithReferences(`${Topics.OrderCreated}-value`, orderCreatedRegistration);
  if (!found)
    throw new Error('order_created-value has no registered schema; run `npm run schema -- register`');
  return found.id;
}

// A valid Confluent frame around a record the order_created schema encodes but the generated validator
// refuses: eventId is not a uuid. avsc without Orderflow's logical types writes it as a plain string.
async function invalidOrderCreated(orderId: string): Promise<Buffer> {
  const id = await orderCreatedSchemaId();
  const plain = avro.Type.forSchema(orderCreatedSchema as avro.Schema);
  const body = plain.toBuffer({
    eventId: 'not-a-uuid',
    occurredAt: Date.now(),
    orderId,
    customer: { id: 'poison', email: 'poison@example.com', name: null },
    lines: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 100 }],
    amountMinor: 100,
    currency: 'EUR',
    paymentToken: null,
  });
  return frame(id, body);
}

// A valid order_created frame up to its `lines` array, whose block count then says 2^32−1 items: a
// decoder that trusts it allocates until the heap is gone. 99 bytes or so, under a registered schema id.
async function avroBomb(orderId: string): Promise<Buffer> {
  const id = await orderCreatedSchemaId();
  const plain = avro.Type.forSchema(orderCreatedSchema as avro.Schema);
  const full = plain.toBuffer({
    eventId: randomUUID(),
    occurredAt: Date.now(),
    orderId,
    customer: { id: 'bomb', email: 'bomb@example.com', name: null },
    lines: [],
    amountMinor: 100,
    currency: 'EUR',
    paymentToken: null,
  });
  // The fields after `lines` (amountMinor, currency, paymentToken) and the empty array's 0 terminator.
  const tail = avro.Type.forSchema({
    type: 'record',
    name: 'Tail',
    fields: [
      { name: 'a', type: 'long' },
      { name: 'c', type: 'string' },
      { name: 't', type: ['null', 'string'] },
    ],
  }).toBuffer({ a: 100, c: 'EUR', t: null });
  const beforeLines = full.subarray(0, full.length - tail.length - 1);
  const count = avro.Type.forSchema('long').toBuffer(2 ** 32 - 1);
  return frame(id, Buffer.concat([beforeLines, count, Buffer.from([2, 4, 6])]));
}

const servicePids = (): Record<string, number | undefined> =>
  Object.fromEntries(SERVICES.map(({ name }) => [name, runningRecord(name)?.pid]));
let pidsBefore: Record<string, number | undefined> = {};

beforeAll(async () => {
  pidsBefore = servicePids();
  await setStock(none, 0);
  await priceSku(none, 300);
  const kafka = probeKafka();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const put = async (kind: PoisonKind, topic: string, partition: number, value: Buffer): Promise<void> => {
      const key = `poison-${kind}-${randomUUID()}`;
      const [meta] = await producer.send({
        topic,
        acks: -1,
        messages: [{ key, value, partition, headers: { 'correlation-id': key } }],
      });
      if (!meta?.baseOffset) throw new Error(`no offset for the poison sent to ${topic}[${partition}]`);
      poisons.push({ kind, topic, partition, offset: meta.baseOffset, key, value });
    };
    for (const { topic, partitions } of topicTable) {
      for (let p = 0; p < partitions; p++) {
        await put('garbage', topic, p, Buffer.from(`not an event at all ${randomUUID()}`));
        // Magic byte 1 (a future framing this consumer does not speak), then a plausible header and body.
        await put('wrong-magic-byte', topic, p, Buffer.from([1, 0, 0, 0, 1, 2, 4, 6, 8]));
        if (topic !== Topics.OrderCreated) continue;
        await put('avro-bomb', topic, p, await avroBomb(randomUUID()));
        // Magic byte and a schema id the registry never issued, then bytes that would never matter.
        await put('unknown-schema-id', topic, p, frame(0x7ffffff0, Buffer.from([2, 4, 6, 8])));
        await put('invalid-content', topic, p, await invalidOrderCreated(randomUUID()));
      }
    }
  } finally {
    await producer.disconnect();
  }
  // Behind the poison on every partition: one order per journey, so every saga topic carries a real event.
  next = await placeAll([
    orderRequest(),
    orderRequest({ paymentToken: DECLINING_TOKEN }),
    orderRequest({ lines: [{ sku: none, quantity: 1 }] }),
  ]);
  finals = await waitAllFinal(
    next.map((o) => o.id),
    90_000,
  );
  dead = await readSagaMessages(new Set(poisons.map((p) => p.key)), {
    since,
    expected: poisons.length,
    topics: Object.values(DeadLetterTopics),
    timeoutMs: 30_000,
  });
}, 180_000);

afterAll(closeDbs);

test('the orders behind the poison still complete: confirmed, payment failed, cancelled and refunded', () => {
  expect(finals.map((r) => ({ id: r.id, status: r.status, notified: r.notified }))).toEqual(
    expect.arrayContaining([
      { id: next[0]!.id, status: 'CONFIRMED', notified: true },
      { id: next[1]!.id, status: 'PAYMENT_FAILED', notified: true },
      { id: next[2]!.id, status: 'CANCELLED', notified: true },
    ]),
  );
});

test('every poison message is on <topic>.DLT, unchanged, with headers naming its origin and the error', () => {
  const expectedCode: Record<PoisonKind, string> = {
    garbage: 'CodecError:BAD_FRAMING',
    'wrong-magic-byte': 'CodecError:BAD_FRAMING',
    'avro-bomb': 'CodecError:INVALID_DATA',
    'unknown-schema-id': 'CodecError:UNKNOWN_SCHEMA_ID',
    'invalid-content': 'PermanentEventError:INVALID_EVENT',
  };
  const expectedMessage: Record<PoisonKind, RegExp> = {
    garbage: /magic|fram/i,
    'wrong-magic-byte': /magic/i,
    'avro-bomb': /block count 4294967295/,
    'unknown-schema-id': /schema id 2147483632/,
    'invalid-content': /eventId/,
  };
  for (const p of poisons) {
    const copies = dead.filter((m) => m.key === p.key);
    // One copy per consumer group of the topic that met it (at least one; several groups read most topics).
    expect({ poison: `${p.kind} on ${p.topic}[${p.partition}]`, copies: copies.length > 0 }).toEqual({
      poison: `${p.kind} on ${p.topic}[${p.partition}]`,
      copies: true,
    });
    for (const m of copies) {
      expect({ topic: m.topic, ...pick(m.headers) }).toEqual({
        topic: `${p.topic}.DLT`,
        'dlt-original-topic': p.topic,
        'dlt-original-partition': String(p.partition),
        'dlt-original-offset': p.offset,
        'dlt-error-code': expectedCode[p.kind],
        'correlation-id': p.key,
      });
      expect(m.headers['dlt-error-message']).toMatch(expectedMessage[p.kind]);
      expect(m.value.equals(p.value)).toBe(true);
    }
  }
  expect(new Set(dead.map((m) => m.key)).size).toBe(poisons.length);
});

test('no consumer died on the way: every service still runs as the same process', () => {
  expect(servicePids()).toEqual(pidsBefore);
  expect(Object.values(pidsBefore).every((pid) => typeof pid === 'number')).toBe(true);
});

function pick(h: Record<string, string>): Record<string, string | undefined> {
  const keys = [
    'dlt-original-topic',
    'dlt-original-partition',
    'dlt-original-offset',
    'dlt-error-code',
    'correlation-id',
  ];
  return Object.fromEntries(keys.map((k) => [k, h[k]]));
}
