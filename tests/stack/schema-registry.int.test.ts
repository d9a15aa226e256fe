import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { stackEnv, uniqueName } from './stack-env';

// A schema registered and read back through @kafkajs/confluent-schema-registry, against the stack's
// registry at SCHEMA_REGISTRY_URL (Apicurio's Confluent API locally, Confluent's in docker-compose).
describe('schema registry', () => {
  const registry = new SchemaRegistry({ host: stackEnv.schemaRegistryUrl });
  const subject = `${uniqueName('stack-test')}-value`;
  const schema = {
    type: 'record',
    name: 'StackProbe',
    namespace: 'dev.orderflow.test',
    fields: [
      { name: 'orderId', type: 'string' },
      { name: 'amountMinor', type: 'long' },
      { name: 'currency', type: 'string' },
      { name: 'note', type: ['null', 'string'], default: null },
    ],
  };

  afterAll(async () => {
    // Soft then hard delete, as Confluent's API requires; the subject is unique to this run anyway.
    await fetch(`${stackEnv.schemaRegistryUrl}/subjects/${subject}`, { method: 'DELETE' });
    await fetch(`${stackEnv.schemaRegistryUrl}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
  });

  test('registers an Avro schema, reads it back by id and by subject, and round-trips a value', async () => {
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject },
    );
    expect(id).toBeGreaterThan(0);
    expect(await registry.getLatestSchemaId(subject)).toBe(id);

    // Read back through the raw Confluent API too: the registry stored this schema under the subject.
    const res = await fetch(`${stackEnv.schemaRegistryUrl}/schemas/ids/${id}`);
    expect(res.status).toBe(200);
    const stored = (await res.json()) as { schema: string };
    expect(JSON.parse(stored.schema)).toMatchObject({ name: 'StackProbe', fields: schema.fields });

    const value = { orderId: 'o-42', amountMinor: 1999, currency: 'EUR', note: 'gift' };
    const bytes = await registry.encode(id, value);
    // Confluent framing: magic byte 0, then the 4-byte big-endian schema id.
    expect(bytes[0]).toBe(0);
    expect(bytes.readUInt32BE(1)).toBe(id);
    expect(await registry.decode(bytes)).toEqual(value);

    // A fresh client (empty cache) resolves the writer schema from the registry by id.
    const other = new SchemaRegistry({ host: stackEnv.schemaRegistryUrl });
    expect(await other.decode(bytes)).toEqual(value);
  }, 30_000);

  test('registering the same schema again returns the same id', async () => {
    const first = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject },
    );
    const again = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema, null, 2) },
      { subject },
    );
    expect(again.id).toBe(first.id);
  });
});
