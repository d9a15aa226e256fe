// Every topic's generated reader schema reads events written with every earlier version of its
// .avsc in git history (and the working tree), through the generated codec.
import { SchemaRegistryClient, canonicalSchema, frame, parseAvroSchema } from '@orderflow/codec';
import { startFakeRegistry } from '@orderflow/codec/testing';
import type { FakeRegistry } from '@orderflow/codec/testing';
import { topicDescriptors } from '@orderflow/contracts';
import type { TopicName } from '@orderflow/contracts';
import { schemaHistory, topicRows } from './support';

const SAMPLES_PER_VERSION = 25;
const rows = topicRows();

describe('schema history', () => {
  let fake: FakeRegistry;
  beforeAll(async () => {
    fake = await startFakeRegistry();
  });
  afterAll(() => fake.close());

  it.each(rows.map((r) => [r.topic, r] as const))(
    '%s: the current reader reads every earlier writer version',
    async (topic, row) => {
      const descriptor = topicDescriptors[topic as TopicName];
      const versions = schemaHistory(`schemas/${row.schema}`);
      expect(versions.length).toBeGreaterThanOrEqual(1);
      const codec = descriptor.codec(new SchemaRegistryClient({ url: fake.url }));
      const readerFields = new Map(
        (JSON.parse(codec.schemaText) as { fields: { name: string; type: unknown }[] }).fields.map((f) => [
          f.name,
          JSON.stringify(f.type),
        ]),
      );
      const failures: string[] = [];
      for (const version of versions) {
        let writer;
        try {
          writer = parseAvroSchema(version.text);
        } catch (err) {
          failures.push(`${version.where}: not a valid schema: ${(err as Error).message}`);
          continue;
        }
        const id = fake.add(descriptor.subject, canonicalSchema(version.text));
        const sameTypeFields = (
          JSON.parse(version.text) as { fields: { name: string; type: unknown }[] }
        ).fields
          .filter((f) => readerFields.get(f.name) === JSON.stringify(f.type))
          .map((f) => f.name);
        for (let i = 0; i < SAMPLES_PER_VERSION; i += 1) {
          const written = writer.random() as unknown as Record<string, unknown>;
          let read: Record<string, unknown>;
          try {
            read = (await codec.decode(frame(id, writer.toBuffer(written)))) as unknown as Record<
              string,
              unknown
            >;
          } catch (err) {
            failures.push(`${version.where}: the ${topic} reader cannot read it: ${(err as Error).message}`);
            break;
          }
          const issues = descriptor.validate(read);
          if (issues.length > 0)
            failures.push(
              `${version.where}: read value is invalid for the reader: ${issues.map((x) => x.message).join('; ')}`,
            );
          for (const name of sameTypeFields) {
            if (JSON.stringify(read[name]) !== JSON.stringify(written[name]))
              failures.push(`${version.where}: field ${name} changed in reading`);
          }
        }
      }
      expect(failures).toEqual([]);
    },
  );
});
