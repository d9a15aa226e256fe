// `npm run schema -- check --sample` against the real stack: events produced to a scratch topic with three
// registered writer schemas, read back with an edited working-tree schema; and off without a broker.
import { randomUUID } from 'node:crypto';
import * as avro from 'avsc';
import { Kafka, logLevel } from 'kafkajs';
import { canonicalSchema, frame, parseAvroSchema, SchemaRegistryClient } from '@orderflow/codec';
import { adminKafkaSecurity, kafkaClientSecurity } from '@orderflow/platform';
import { ScratchRepo } from './run-cli';

// Spawns tsx and talks to Kafka and the registry on a shared 2-core machine.
jest.setTimeout(120_000);

const URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7';
const BROKERS = process.env.KAFKA_BROKERS ?? 'localhost:9092';

const uuid = { type: 'string', logicalType: 'uuid' };
const f = (name: string, type: unknown, extra: object = {}) => ({
  name,
  type,
  doc: `The ${name}.`,
  ...extra,
});
const rec = (fields: unknown[]) => ({
  type: 'record',
  name: 'SampleEvent',
  namespace: 'dev.orderflow.test',
  doc: 'A scratch event.',
  fields: [f('orderId', uuid), f('amountMinor', 'long'), ...fields],
});
const channel = f(
  'channel',
  { type: 'enum', name: 'Channel', doc: 'Where.', symbols: ['WEB', 'SHOP'], default: 'WEB' },
  { default: 'WEB' },
);
/** In git, and what the oldest events were written with. */
const A = rec([]);
/** Registered by a producer that added `tier`. */
const C = rec([f('tier', 'string')]);
/** The working tree: `tier` without a default (A's events cannot be read), `channel` with one. */
const B = rec([f('tier', 'string'), channel]);

describe('check --sample against the real stack', () => {
  const run = randomUUID().slice(0, 8);
  const topic = `sample_it_${run}`;
  const subject = `${topic}-value`;
  const registry = new SchemaRegistryClient({ url: URL });
  const kafka = new Kafka({
    clientId: 'check-sample-it',
    brokers: BROKERS.split(','),
    ...kafkaClientSecurity(adminKafkaSecurity()),
    logLevel: logLevel.NOTHING,
  });
  const env = { SCHEMA_REGISTRY_URL: URL, KAFKA_BROKERS: BROKERS, GITHUB_ACTIONS: '' };
  let repo: ScratchRepo;
  const ids: Record<'A' | 'C' | 'B', number> = { A: 0, C: 0, B: 0 };

  beforeAll(async () => {
    repo = new ScratchRepo([{ topic, subject, compatibility: 'NONE' }]);
    // The generator's table (producer, consumers, services) so the sample can build the generated validators.
    repo.write('schemas/topics.json', {
      defaults: { compatibility: 'NONE', partitions: 2 },
      services: ['order', 'payment'],
      topics: [
        {
          topic,
          schema: `avro/${topic}.avsc`,
          subject,
          compatibility: 'NONE',
          producer: 'order',
          consumers: ['payment'],
          partitions: 2,
        },
      ],
    });
    repo.write(`schemas/avro/${topic}.avsc`, A);
    repo.commit('A');
    await registry.setCompatibility(subject, 'NONE');
    for (const [name, schema] of [
      ['A', A],
      ['C', C],
      ['B', B],
    ] as const)
      ids[name] = await registry.register(subject, canonicalSchema(JSON.stringify(schema)));
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 2, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    const encode = (schema: object, id: number, value: object) =>
      frame(id, parseAvroSchema(schema).toBuffer(value));
    const base = () => ({ orderId: randomUUID(), amountMinor: 1250 });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        // Partition 0, offsets 0-2: written before `tier` existed.
        ...[1, 2, 3].map(() => ({ partition: 0, value: encode(A, ids.A, base()) })),
        // Partition 1, offsets 0-1: `tier` but no `channel`; offset 2 the new schema itself; offset 3 a bad uuid.
        { partition: 1, value: encode(C, ids.C, { ...base(), tier: 'gold' }) },
        { partition: 1, value: encode(C, ids.C, { ...base(), tier: 'gold' }) },
        { partition: 1, value: encode(B, ids.B, { ...base(), tier: 'gold', channel: 'SHOP' }) },
        {
          partition: 1,
          // A producer without the generated code: plain avsc writes any string as a uuid.
          value: frame(
            ids.B,
            avro.Type.forSchema(B as avro.Schema).toBuffer({
              orderId: 'not-a-uuid',
              amountMinor: 1250,
              tier: 'gold',
              channel: 'SHOP',
            }),
          ),
        },
      ],
    });
    await producer.disconnect();
  });

  afterAll(async () => {
    repo.remove();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await fetch(`${URL}/subjects/${subject}`, { method: 'DELETE' }).catch(() => undefined);
    await fetch(`${URL}/subjects/${subject}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
  });

  it('is off in one line, exit 0, when no broker is reachable', () => {
    repo.write(`schemas/avro/${topic}.avsc`, rec([channel]));
    const r = repo.cli(['check', '--sample', '10'], { ...env, KAFKA_BROKERS: 'localhost:1' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^sample: off: no Kafka broker reachable at localhost:1 \(.+\); nothing sampled$/m,
    );
    expect(r.code).toBe(0);
  });

  it('reports per event what fails, what changes meaning and what decodes, with offsets; exit 1', () => {
    repo.write(`schemas/avro/${topic}.avsc`, B);
    const r = repo.cli(['check', '--sample', '10'], env);
    expect(r.stdout).toContain(
      `sample ${topic}: 7 events (the newest 10: partition 0 offsets 0-2, partition 1 offsets 0-3)`,
    );
    expect(r.stdout).toContain('       1 decode cleanly with the new reader; 3 fail; 3 change meaning');
    expect(r.stdout).toContain(
      `  FAIL 3 cannot be decoded: partition 0 offsets 0-2 (writer schema id ${ids.A}, version 1)`,
    );
    expect(r.stdout).toMatch(/^ {9}SampleEvent\.tier: .*tier.*$/m);
    expect(r.stdout).toContain(
      `  CHANGED 2 decode but read differently: partition 1 offsets 0-1 (writer schema id ${ids.C}, version 2)`,
    );
    expect(r.stdout).toContain(
      `         channel: defaulted: the writer has no channel: filled from the reader's default "WEB"`,
    );
    expect(r.stdout).toContain(
      `  CHANGED 1 decode but read differently: partition 1 offset 3 (writer schema id ${ids.B}, version 3)`,
    );
    expect(r.stdout).toContain(
      '         orderId: invalid: fails the generated validator: expected a uuid string',
    );
    expect(r.stdout).toContain('sample: 3 of 7 sampled events would fail to decode.');
    expect(r.code).toBe(1);

    const json = repo.cli(['check', '--sample', '10', '--format', 'json'], env);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as {
      compatible: boolean;
      sample: {
        topics: Array<{
          sampled: number;
          decoded: number;
          failed: Array<{ schemaId: number; offsets: unknown[] }>;
          changed: unknown[];
        }>;
      };
    };
    // The gate (level NONE) passes: the exit code is the sample's.
    expect(report.compatible).toBe(true);
    const [t] = report.sample.topics;
    expect(t).toMatchObject({
      sampled: 7,
      decoded: 1,
      failed: [{ schemaId: ids.A, offsets: [{ partition: 0, from: '0', to: '2' }] }],
    });
    expect(t?.changed).toHaveLength(2);

    const gh = repo.cli(['check', '--sample', '10', '--format', 'github'], env);
    expect(gh.stdout).toMatch(
      new RegExp(
        `^::error file=schemas/avro/${topic}\\.avsc,line=\\d+,title=${topic}%3A 3 sampled events cannot be decoded::partition 0 offsets 0-2`,
        'm',
      ),
    );
  });
});
