import { canonicalSchema, parseAvroSchema } from './avro';
import { startFakeRegistry } from './fake-registry';
import type { FakeRegistry } from './fake-registry';
import { inlineReferences, referencedNames } from './references';
import type { SchemaRegistration } from './references';
import { SchemaRegistryClient } from './registry-client';
import { TopicCodec } from './topic-codec';

const NS = 'dev.orderflow.events';
const money = { type: 'record', name: 'Money', namespace: NS, fields: [{ name: 'minor', type: 'long' }] };
const line = {
  type: 'record',
  name: 'OrderLine',
  namespace: NS,
  fields: [
    { name: 'sku', type: 'string' },
    { name: 'price', type: `${NS}.Money` },
  ],
};
const customer = {
  type: 'record',
  name: 'Customer',
  namespace: NS,
  fields: [{ name: 'id', type: 'string' }],
};
const shared: Record<string, object> = {
  [`${NS}.Money`]: money,
  [`${NS}.OrderLine`]: line,
  [`${NS}.Customer`]: customer,
};
const written = {
  type: 'record',
  name: 'OrderCreated',
  namespace: NS,
  fields: [
    { name: 'customer', type: `${NS}.Customer` },
    { name: 'lines', type: { type: 'array', items: `${NS}.OrderLine` } },
    { name: 'total', type: `${NS}.Money` },
    { name: 'payer', type: ['null', `${NS}.Customer`], default: null },
  ],
};
// What the schema was when every type was defined in place: each definition at its first use.
const inlinedByHand = {
  type: 'record',
  name: 'OrderCreated',
  namespace: NS,
  fields: [
    {
      name: 'customer',
      type: { type: 'record', name: 'Customer', fields: [{ name: 'id', type: 'string' }] },
    },
    {
      name: 'lines',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'OrderLine',
          fields: [
            { name: 'sku', type: 'string' },
            {
              name: 'price',
              type: { type: 'record', name: 'Money', fields: [{ name: 'minor', type: 'long' }] },
            },
          ],
        },
      },
    },
    { name: 'total', type: `${NS}.Money` },
    { name: 'payer', type: ['null', `${NS}.Customer`], default: null },
  ],
};

describe('inlineReferences', () => {
  it('inlines each referenced type at its first use, nested ones too, and leaves later uses as names', () => {
    const out = inlineReferences(written, (name) => shared[name]);
    expect(out.unresolved).toEqual([]);
    expect(out.inlined).toEqual([`${NS}.Customer`, `${NS}.OrderLine`, `${NS}.Money`]);
    // Same namespace: written with the simple name, so the text equals the hand-inlined schema's.
    expect(canonicalSchema(out.schema as object)).toBe(canonicalSchema(inlinedByHand));
  });

  it('keeps a definition in its own namespace when inlined into another', () => {
    const other = { ...written, namespace: 'com.elsewhere' };
    const out = inlineReferences(other, (name) => shared[name]);
    const customerField = (out.schema as typeof written).fields[0]!.type as unknown as Record<
      string,
      unknown
    >;
    expect(customerField).toMatchObject({ name: 'Customer', namespace: NS });
    // avsc agrees the result names the same types.
    const type = parseAvroSchema(out.schema as object);
    expect(type.isValid({ customer: { id: 'c' }, lines: [], total: { minor: 1 }, payer: null })).toBe(true);
  });

  it('reports each name neither the schema nor the lookup defines, with where it is used', () => {
    const out = inlineReferences(written, (name) => (name === `${NS}.Customer` ? customer : undefined));
    expect(out.unresolved).toEqual([
      { name: `${NS}.OrderLine`, path: 'fields[1].type.items', written: `${NS}.OrderLine` },
      { name: `${NS}.Money`, path: 'fields[2].type', written: `${NS}.Money` },
    ]);
  });

  it('resolves a reference written as {"type": name} and an unqualified name in the enclosing namespace', () => {
    const schema = {
      type: 'record',
      name: 'E',
      namespace: NS,
      fields: [{ name: 'c', type: { type: 'Customer' } }],
    };
    const out = inlineReferences(schema, (name) => shared[name]);
    expect(out.inlined).toEqual([`${NS}.Customer`]);
    expect((out.schema as typeof schema).fields[0]!.type).toEqual({
      type: 'record',
      name: 'Customer',
      fields: [{ name: 'id', type: 'string' }],
    });
  });

  it('lists a schema’s direct references once each, in order of first use', () => {
    expect(referencedNames(written).map((r) => r.name)).toEqual([
      `${NS}.Customer`,
      `${NS}.OrderLine`,
      `${NS}.Money`,
    ]);
    expect(referencedNames(line).map((r) => r.name)).toEqual([`${NS}.Money`]);
  });
});

describe('schemas with references through the registry API', () => {
  let registry: FakeRegistry;
  beforeEach(async () => {
    registry = await startFakeRegistry();
  });
  afterEach(() => registry.close());

  const reg = (schema: object, references: SchemaRegistration['references'] = []): SchemaRegistration => ({
    schema: canonicalSchema(schema),
    references,
  });
  const moneyRef = { name: `${NS}.Money`, subject: `${NS}.Money`, registration: reg(money) };
  const lineRef = {
    name: `${NS}.OrderLine`,
    subject: `${NS}.OrderLine`,
    registration: reg(line, [moneyRef]),
  };
  const customerRef = { name: `${NS}.Customer`, subject: `${NS}.Customer`, registration: reg(customer) };
  const registration = reg(written, [customerRef, lineRef, moneyRef]);
  const resolved = inlineReferences(written, (name) => shared[name]).schema as object;
  const event = {
    customer: { id: 'c-1' },
    lines: [{ sku: 'SKU-1', price: { minor: 250 } }],
    total: { minor: 250 },
    payer: null,
  };

  it('registers references first, then decodes by id with the references fetched and inlined', async () => {
    const client = new SchemaRegistryClient({ url: registry.url });
    const writer = new TopicCodec({
      topic: 't',
      subject: 't-value',
      schema: resolved,
      registration,
      registry: client,
      autoRegister: true,
    });
    const bytes = await writer.encode(event);
    const posts = registry.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/versions'));
    expect(posts.map((r) => r.path)).toEqual([
      `/subjects/${NS}.Customer/versions`,
      `/subjects/${NS}.Money/versions`,
      `/subjects/${NS}.OrderLine/versions`,
      '/subjects/t-value/versions',
    ]);
    // A fresh reader (no caches) learns the writer schema from the registry alone.
    const reader = new TopicCodec({
      topic: 't',
      subject: 't-value',
      schema: resolved,
      registry: new SchemaRegistryClient({ url: registry.url }),
    });
    await expect(reader.decode(bytes)).resolves.toEqual(event);
    const fresh = new SchemaRegistryClient({ url: registry.url });
    const id = bytes.readUInt32BE(1);
    expect((await fresh.getRegisteredById(id)).references.map((r) => `${r.subject} v${r.version}`)).toEqual([
      `${NS}.Customer v1`,
      `${NS}.OrderLine v1`,
      `${NS}.Money v1`,
    ]);
    expect(await fresh.resolvedSchemaById(id)).toBe(canonicalSchema(resolved));
  });

  // A producer of topic t (no autoRegister) with its own registry client, as a service has.
  const producerOf = (url: string) =>
    new TopicCodec({
      topic: 't',
      subject: 't-value',
      schema: resolved,
      registration,
      registry: new SchemaRegistryClient({ url }),
    });

  it('a producer without autoRegister finds the registered version through its references', async () => {
    const admin = new SchemaRegistryClient({ url: registry.url });
    const { id } = await admin.registerWithReferences('t-value', registration);
    const codec = producerOf(registry.url);
    await expect(codec.schemaId()).resolves.toBe(id);
  });

  it('names the subjects to register when a reference is missing', async () => {
    const codec = producerOf(registry.url);
    await expect(codec.schemaId()).rejects.toThrow(
      `not registered under subject t-value (with its references under ${NS}.Customer, ${NS}.OrderLine, ${NS}.Money)`,
    );
  });

  it('refuses a registered schema whose references do not define a name it uses', async () => {
    const client = new SchemaRegistryClient({ url: registry.url });
    await client.register(`${NS}.Customer`, canonicalSchema(customer));
    const id = await client.register('t-value', canonicalSchema(written), [
      { name: `${NS}.Customer`, subject: `${NS}.Customer`, version: 1 },
    ]);
    await expect(new SchemaRegistryClient({ url: registry.url }).resolvedSchemaById(id)).rejects.toThrow(
      `uses ${NS}.OrderLine (at fields[1].type.items), ${NS}.Money (at fields[2].type), which neither it nor its references (${NS}.Customer = ${NS}.Customer v1) define`,
    );
  });
});
