// Against the real schema registry of the local stack (`npm run stack -- up`): Apicurio's
// Confluent-compatible API by default, or any Confluent-API registry via SCHEMA_REGISTRY_URL.
import { randomUUID } from 'node:crypto';
import {
  CodecError,
  SchemaRegistryClient,
  TopicCodec,
  canonicalSchema,
  frame,
  isRetriable,
  verifyRegistry,
} from '@orderflow/codec';

const url = process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7';
const run = `${Date.now()}-${process.pid}`;

const V1 = {
  type: 'record',
  name: 'Probe',
  namespace: 'dev.orderflow.test',
  doc: 'int-test event',
  fields: [
    { name: 'eventId', type: { type: 'string', logicalType: 'uuid' }, doc: 'id' },
    { name: 'occurredAt', type: { type: 'long', logicalType: 'timestamp-millis' }, doc: 'when' },
    {
      name: 'status',
      type: { type: 'enum', name: 'ProbeStatus', symbols: ['UNKNOWN', 'A', 'B'], default: 'UNKNOWN' },
      doc: 's',
    },
    { name: 'quantity', type: 'int', doc: 'q' },
  ],
};
const V2 = {
  ...V1,
  fields: [
    ...V1.fields,
    { name: 'note', type: ['null', 'string'], default: null, doc: 'optional note added in v2' },
  ],
};

interface ProbeV1 {
  eventId: string;
  occurredAt: Date;
  status: 'UNKNOWN' | 'A' | 'B';
  quantity: number;
}
interface ProbeV2 extends ProbeV1 {
  note: string | null;
}

describe(`TopicCodec against the registry at ${url}`, () => {
  const subjects: string[] = [];
  const admin = new SchemaRegistryClient({ url });
  const subject = (name: string): string => {
    const s = `codec-int-${name}-${run}-value`;
    subjects.push(s);
    return s;
  };

  afterAll(async () => {
    for (const s of subjects) {
      await admin.deleteSubject(s).catch(() => undefined);
      await admin.deleteSubject(s, true).catch(() => undefined);
    }
  });

  it('registers, encodes with the registered id and decodes in another process-like client', async () => {
    const s = subject('roundtrip');
    await admin.setCompatibility(s, 'FULL_TRANSITIVE');
    const id = await admin.register(s, canonicalSchema(V2));
    const producer = new TopicCodec<ProbeV2>({
      topic: 'probe',
      subject: s,
      schema: V2,
      registry: new SchemaRegistryClient({ url }),
    });
    const value: ProbeV2 = {
      eventId: randomUUID(),
      occurredAt: new Date(1_700_000_000_123),
      status: 'B',
      quantity: 7,
      note: 'n',
    };
    const bytes = await producer.encode(value);
    expect(bytes[0]).toBe(0);
    expect(bytes.readUInt32BE(1)).toBe(id);
    const consumerRegistry = new SchemaRegistryClient({ url });
    const consumer = new TopicCodec<ProbeV2>({
      topic: 'probe',
      subject: s,
      schema: V2,
      registry: consumerRegistry,
    });
    expect(await consumer.decode(bytes)).toEqual(value);
    const calls = consumerRegistry.requestCount;
    for (let i = 0; i < 500; i += 1) await consumer.decode(bytes);
    expect(consumerRegistry.requestCount).toBe(calls);
  });

  it('finds a registration made from differently formatted text (one canonical form)', async () => {
    const s = subject('canonical');
    await admin.register(s, JSON.stringify(V2, null, 2));
    const codec = new TopicCodec<ProbeV2>({
      topic: 'probe',
      subject: s,
      schema: V2,
      registry: new SchemaRegistryClient({ url }),
    });
    await expect(codec.schemaId()).resolves.toEqual(expect.any(Number));
  });

  it('reads an event written with v1 through a v2 reader (new optional field gets its default)', async () => {
    const s = subject('evolve');
    await admin.setCompatibility(s, 'FULL_TRANSITIVE');
    await admin.register(s, canonicalSchema(V1));
    await admin.register(s, canonicalSchema(V2));
    expect(await admin.listVersions(s)).toEqual([1, 2]);
    const oldWriter = new TopicCodec<ProbeV1>({
      topic: 'probe',
      subject: s,
      schema: V1,
      registry: new SchemaRegistryClient({ url }),
    });
    const v1: ProbeV1 = {
      eventId: randomUUID(),
      occurredAt: new Date(1_700_000_000_000),
      status: 'A',
      quantity: 1,
    };
    const bytes = await oldWriter.encode(v1);
    const newReader = new TopicCodec<ProbeV2>({
      topic: 'probe',
      subject: s,
      schema: V2,
      registry: new SchemaRegistryClient({ url }),
    });
    expect(await newReader.decode(bytes)).toEqual({ ...v1, note: null });
    // And the other way (FULL): a v1 reader drops the field it does not know.
    const newWriter = new TopicCodec<ProbeV2>({
      topic: 'probe',
      subject: s,
      schema: V2,
      registry: new SchemaRegistryClient({ url }),
    });
    const v2: ProbeV2 = { ...v1, note: 'dropped by old readers' };
    const oldReader = new TopicCodec<ProbeV1>({
      topic: 'probe',
      subject: s,
      schema: V1,
      registry: new SchemaRegistryClient({ url }),
    });
    expect(await oldReader.decode(await newWriter.encode(v2))).toEqual(v1);
  });

  it('refuses an incompatible registration with INCOMPATIBLE (not retriable)', async () => {
    const s = subject('incompatible');
    await admin.setCompatibility(s, 'FULL_TRANSITIVE');
    await admin.register(s, canonicalSchema(V2));
    const removed = { ...V2, fields: V2.fields.filter((f) => f.name !== 'quantity') };
    const err = await admin.register(s, canonicalSchema(removed)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INCOMPATIBLE', status: 409 });
    expect(isRetriable(err)).toBe(false);
    expect(await admin.testCompatibility(s, canonicalSchema(removed))).toBe(false);
  });

  it('says which command to run when the schema is not registered, and auto-registers when allowed', async () => {
    const s = subject('missing');
    const codec = new TopicCodec<ProbeV2>({
      topic: 'probe',
      subject: s,
      schema: V2,
      registry: new SchemaRegistryClient({ url }),
    });
    await expect(
      codec.encode({ eventId: randomUUID(), occurredAt: new Date(), status: 'A', quantity: 1, note: null }),
    ).rejects.toThrow(/npm run schema -- register/);
    const auto = new TopicCodec<ProbeV2>({
      topic: 'probe',
      subject: s,
      schema: V2,
      registry: new SchemaRegistryClient({ url }),
      autoRegister: true,
    });
    const id = await auto.schemaId();
    expect(await admin.lookup(s, canonicalSchema(V2))).toEqual({ id, version: 1 });
  });

  it('maps an id the registry does not know to UNKNOWN_SCHEMA_ID', async () => {
    const codec = new TopicCodec<ProbeV2>({
      topic: 'probe',
      subject: subject('unknown'),
      schema: V2,
      registry: new SchemaRegistryClient({ url }),
    });
    const err = await codec.decode(frame(2_000_000_000, Buffer.from([0x02]))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect(err).toMatchObject({
      code: 'UNKNOWN_SCHEMA_ID',
      schemaId: 2_000_000_000,
      classification: 'bounded',
    });
    // The registry's own "schema not found" answer (Confluent and Apicurio both send error_code 40403).
    expect((err as Error).cause).toMatchObject({ code: 'NOT_FOUND', status: 404, registryCode: 40403 });
    expect(isRetriable(err)).toBe(false);
  });

  it('reports a URL that is not the registry API as MISCONFIGURED, never as an unknown schema id', async () => {
    const wrong = `${new globalThis.URL(url).origin}/nope`;
    const codec = new TopicCodec<ProbeV2>({
      topic: 'probe',
      subject: subject('wrong-url'),
      schema: V2,
      registry: new SchemaRegistryClient({ url: wrong }),
    });
    const err = await codec.decode(frame(1, Buffer.from([0x02]))).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RegistryError', code: 'MISCONFIGURED', classification: 'transient' });
    expect((err as Error).message).toContain('does not look like a schema registry');
  });

  it('verifyRegistry accepts the registry and refuses a wrong path, a bare root and an unused port', async () => {
    await expect(verifyRegistry(url)).resolves.toBeUndefined();
    const { origin, pathname } = new globalThis.URL(url);
    const wrongs = [`${origin}/nope`, ...(pathname.length > 1 ? [origin] : [])];
    for (const wrong of wrongs) {
      const err = await verifyRegistry(wrong).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'MISCONFIGURED' });
      expect((err as Error).message).toMatch(/SCHEMA_REGISTRY_URL.*\/apis\/ccompat\/v7/);
    }
    await expect(verifyRegistry('http://127.0.0.1:9/apis/ccompat/v7')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  });

  it('reports INVALID_SCHEMA for text that is not Avro', async () => {
    const err = await admin
      .register(subject('garbage'), '{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_SCHEMA' });
  });
});
