import {
  CodecError,
  RegistryError,
  SchemaRegistryClient,
  TopicCodec,
  canonicalSchema,
  frame,
} from '@orderflow/codec';
import { startFakeRegistry } from '@orderflow/codec/testing';
import type { FakeRegistry } from '@orderflow/codec/testing';

const V1 = {
  type: 'record',
  name: 'Thing',
  namespace: 'test',
  fields: [
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    {
      name: 'lines',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Line',
          fields: [
            { name: 'sku', type: 'string' },
            { name: 'quantity', type: 'int' },
          ],
        },
      },
    },
  ],
};
// V2 adds an optional field: a V2 reader must read V1 messages with the default.
const V2 = { ...V1, fields: [...V1.fields, { name: 'note', type: ['null', 'string'], default: null }] };

interface ThingV2 {
  id: string;
  at: Date;
  lines: { sku: string; quantity: number }[];
  note: string | null;
}

const value: ThingV2 = {
  id: '0b6c8d7e-3f43-4e55-9a0e-5f1d2a3b4c5d',
  at: new Date('2026-01-02T03:04:05.678Z'),
  lines: [{ sku: 'A-1', quantity: 2 }],
  note: 'hi',
};

describe('TopicCodec (fake registry)', () => {
  let fake: FakeRegistry;
  let registry: SchemaRegistryClient;
  beforeEach(async () => {
    fake = await startFakeRegistry();
    registry = new SchemaRegistryClient({ url: fake.url });
  });
  afterEach(() => fake.close());

  const codec = (schema: object, autoRegister = false): TopicCodec<ThingV2> =>
    new TopicCodec<ThingV2>({ topic: 'thing', subject: 'thing-value', schema, registry, autoRegister });

  it('round-trips a value and frames it with the registered id', async () => {
    const id = fake.add('thing-value', canonicalSchema(V2));
    const c = codec(V2);
    const bytes = await c.encode(value);
    expect(bytes[0]).toBe(0);
    expect(bytes.readUInt32BE(1)).toBe(id);
    expect(await c.decode(bytes)).toEqual(value);
  });

  it('resolves the id once and makes no registry call per message after warm-up', async () => {
    fake.add('thing-value', canonicalSchema(V2));
    const c = codec(V2);
    await c.decode(await c.encode(value));
    const before = registry.requestCount;
    for (let i = 0; i < 1000; i += 1) await c.decode(await c.encode({ ...value, note: String(i) }));
    expect(registry.requestCount).toBe(before);
    expect(fake.requests).toEqual([{ method: 'POST', path: '/subjects/thing-value' }]);
  });

  it('refuses to encode an unregistered schema unless autoRegister, and says which command to run', async () => {
    const err = await codec(V2)
      .encode(value)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toMatch(
      /not registered under subject thing-value.*npm run schema -- register/,
    );
    const auto = codec(V2, true);
    const bytes = await auto.encode(value);
    expect(bytes.readUInt32BE(1)).toBe(await auto.schemaId());
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toContain(
      'POST /subjects/thing-value/versions',
    );
  });

  it('reads a message written with an older schema through resolution (default for the new field)', async () => {
    fake.add('thing-value', canonicalSchema(V1));
    fake.add('thing-value', canonicalSchema(V2));
    const oldWriter = new TopicCodec<Omit<ThingV2, 'note'>>({
      topic: 'thing',
      subject: 'thing-value',
      schema: V1,
      registry,
    });
    const bytes = await oldWriter.encode({ id: value.id, at: value.at, lines: value.lines });
    const reader = codec(V2);
    expect(await reader.decode(bytes)).toEqual({
      id: value.id,
      at: value.at,
      lines: value.lines,
      note: null,
    });
  });

  it('fetches each writer schema once, even for concurrent first messages', async () => {
    const id = fake.add('thing-value', canonicalSchema(V2));
    fake.setDelay(20);
    const writer = codec(V2);
    const bytes = await writer.encode(value);
    // A separate client: the writer's lookup already cached the schema text by id.
    const reader = new TopicCodec<ThingV2>({
      topic: 'thing',
      subject: 'thing-value',
      schema: V2,
      registry: new SchemaRegistryClient({ url: fake.url }),
    });
    await Promise.all(Array.from({ length: 10 }, () => reader.decode(bytes)));
    expect(fake.requests.filter((r) => r.path === `/schemas/ids/${id}`)).toHaveLength(1);
  });

  it('maps an unknown schema id to UNKNOWN_SCHEMA_ID', async () => {
    const err = await codec(V2)
      .decode(frame(777, Buffer.from([0])))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect(err).toMatchObject({ code: 'UNKNOWN_SCHEMA_ID', schemaId: 777, topic: 'thing' });
  });

  it('classifies an unknown schema id as bounded and does not cache it: a later registration decodes', async () => {
    // Written by a producer whose registration the reader's registry does not have yet (id 1).
    const body = (await codec(V2, true).encode(value)).subarray(5);
    await fake.close();
    fake = await startFakeRegistry();
    registry = new SchemaRegistryClient({ url: fake.url });
    const reader = codec(V2);
    const err = await reader.decode(frame(1, body)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNKNOWN_SCHEMA_ID', classification: 'bounded', schemaId: 1 });
    expect((err as Error).message).toContain('does not know (error_code 40403)');
    expect(fake.add('thing-value', canonicalSchema(V2))).toBe(1);
    expect(await reader.decode(frame(1, body))).toEqual(value);
  });

  it('maps a writer schema the reader cannot resolve to SCHEMA_MISMATCH', async () => {
    const id = fake.add(
      'thing-value',
      JSON.stringify({ type: 'record', name: 'Other', fields: [{ name: 'x', type: 'boolean' }] }),
    );
    const err = await codec(V2)
      .decode(frame(id, Buffer.from([1])))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SCHEMA_MISMATCH', schemaId: id });
  });

  it('rejects truncated, padded and garbage bodies with INVALID_DATA', async () => {
    fake.add('thing-value', canonicalSchema(V2));
    const c = codec(V2);
    const bytes = await c.encode(value);
    const truncated = bytes.subarray(0, bytes.length - 3);
    const padded = Buffer.concat([bytes, Buffer.from([0, 0])]);
    const garbage = Buffer.concat([bytes.subarray(0, 5), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2])]);
    for (const bad of [truncated, padded, garbage]) {
      await expect(c.decode(bad)).rejects.toMatchObject({ code: 'INVALID_DATA' });
    }
  });

  it('rejects an invalid value with INVALID_DATA naming each bad field path', async () => {
    fake.add('thing-value', canonicalSchema(V2));
    const c = codec(V2);
    const bad = {
      ...value,
      id: 'not-a-uuid',
      lines: [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: '3' },
      ],
    } as unknown as ThingV2;
    const err = await c.encode(bad).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_DATA' });
    expect((err as Error).message).toContain('id: expected a uuid string, got "not-a-uuid"');
    expect((err as Error).message).toContain('lines[1].quantity: expected int, got "3"');
  });

  it('retries the id lookup after a registry outage instead of caching the failure', async () => {
    fake.add('thing-value', canonicalSchema(V2));
    const c = codec(V2);
    fake.failNext(503);
    await expect(c.encode(value)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(c.encode(value)).resolves.toBeInstanceOf(Buffer);
  });
});

describe('canonicalSchema', () => {
  it('gives the same text whatever the key order and whitespace of the source', () => {
    const shuffled = JSON.parse(
      JSON.stringify({ fields: V1.fields, namespace: 'test', name: 'Thing', type: 'record' }),
    ) as object;
    expect(canonicalSchema(shuffled)).toBe(canonicalSchema(JSON.stringify(V1, null, 2)));
    expect(canonicalSchema(V1)).toMatch(/^\{"name":"Thing","type":"record","namespace":"test","fields":\[/);
  });
});
