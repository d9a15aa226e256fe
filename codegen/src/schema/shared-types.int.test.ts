// Shared types (schema references) against the real registry: Apicurio's Confluent-compatible API by
// default, any Confluent-API registry via SCHEMA_REGISTRY_URL. Scratch subjects only: the namespace
// (and so each shared type's subject) and the topic subjects carry this run's id.
import { randomUUID } from 'node:crypto';
import {
  canonicalSchema,
  inlineReferences,
  RegistryError,
  SchemaRegistryClient,
  TopicCodec,
} from '@orderflow/codec';
import type { SchemaRegistration } from '@orderflow/codec';
import { ScratchRepo } from './run-cli';

// Spawns real processes (tsx, git) on a shared 2-core machine; jest's 5 s default is too tight.
jest.setTimeout(90_000);

const URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7';
const run = randomUUID().slice(0, 8);
const NS = `orderflow.refs_${run}`;
const CUSTOMER = `${NS}.Customer`;
const SHARED_FILE = `schemas/avro/shared/${CUSTOMER}.avsc`;
const subjects = { created: `refs_created_${run}-value`, failed: `refs_failed_${run}-value` };

const customerFields = [
  { name: 'id', type: 'string', doc: 'Customer id.' },
  { name: 'email', type: 'string', doc: 'Where notifications go.' },
];
const customer = (extra: unknown[] = []) => ({
  type: 'record',
  name: 'Customer',
  namespace: NS,
  doc: 'Who placed the order.',
  fields: [...customerFields, ...extra],
});
const topic = (name: string, customerType: unknown) => ({
  type: 'record',
  name,
  namespace: NS,
  fields: [
    { name: 'orderId', type: 'string', doc: 'The order.' },
    { name: 'customer', type: customerType, doc: 'Who.' },
  ],
});
const { namespace: _ns, ...customerInPlace } = customer();
const inlined = (name: string) => topic(name, customerInPlace);
const referencing = (name: string) => topic(name, CUSTOMER);

const event = { orderId: 'o-1', customer: { id: 'c-1', email: 'c@example.com' } };

describe(`shared types with references at ${URL}`, () => {
  const client = new SchemaRegistryClient({ url: URL });
  let repo: ScratchRepo;

  beforeAll(() => {
    repo = new ScratchRepo([
      { topic: 'refs_created', subject: subjects.created, compatibility: 'FULL_TRANSITIVE' },
      { topic: 'refs_failed', subject: subjects.failed, compatibility: 'FULL_TRANSITIVE' },
    ]);
    // What services have written so far: Customer defined in place in each topic schema.
    repo.write('schemas/avro/refs_created.avsc', inlined('RefsCreated'));
    repo.write('schemas/avro/refs_failed.avsc', inlined('RefsFailed'));
    repo.commit('inlined');
  });

  afterAll(async () => {
    repo.remove();
    // Referencing subjects first: a registry may refuse to delete a version others reference.
    for (const subject of [subjects.created, subjects.failed, CUSTOMER, `${CUSTOMER}-incompatible`]) {
      await client.deleteSubject(subject).catch(() => undefined);
      await client.deleteSubject(subject, true).catch(() => undefined);
    }
  });

  const line = (subject: string, out: string) => out.split('\n').find((l) => l.startsWith(`${subject} -> `));
  let inlinedBytes: Buffer;
  let inlinedId: number;

  it('registers the inlined schemas and writes an event with them (the state before shared types)', async () => {
    const r = repo.cli(['register', '--registry', URL]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(line(subjects.created, r.stdout)).toMatch(/-> id \d+, version 1 \(registered; FULL_TRANSITIVE\)$/);
    const producer = new TopicCodec({
      topic: 'refs_created',
      subject: subjects.created,
      schema: inlined('RefsCreated'),
      registry: new SchemaRegistryClient({ url: URL }),
    });
    inlinedBytes = await producer.encode(event);
    inlinedId = inlinedBytes.readUInt32BE(1);
  });

  it('registers the shared type first, then each topic over its inlined version with references', async () => {
    repo.write(SHARED_FILE, customer());
    repo.write('schemas/avro/refs_created.avsc', referencing('RefsCreated'));
    repo.write('schemas/avro/refs_failed.avsc', referencing('RefsFailed'));
    repo.commit('shared Customer');
    const r = repo.cli(['register', '--registry', URL]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.includes(' -> '));
    expect(lines.map((l) => l.split(' ')[0])).toEqual([CUSTOMER, subjects.created, subjects.failed]);
    expect(line(CUSTOMER, r.stdout)).toMatch(/-> id \d+, version 1 \(registered; FULL_TRANSITIVE\)$/);
    // FULL_TRANSITIVE against the inlined version 1: the registry resolved the reference and agreed.
    expect(line(subjects.created, r.stdout)).toMatch(
      new RegExp(
        `-> id \\d+, version 2 \\(registered; FULL_TRANSITIVE; references ${CUSTOMER.replace(/\./g, '\\.')} v1\\)$`,
      ),
    );
    expect(await client.listVersions(subjects.created)).toEqual([1, 2]);
    expect(await client.getCompatibility(CUSTOMER)).toBe('FULL_TRANSITIVE');
    const v2 = await client.getVersion(subjects.created, 2);
    expect(v2.references).toEqual([{ name: CUSTOMER, subject: CUSTOMER, version: 1 }]);
    expect(JSON.parse(v2.schema)).toEqual(referencing('RefsCreated'));
    // Idempotent: a second run finds everything.
    const again = repo.cli(['register', '--registry', URL]);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n').filter((l) => l.includes('(already registered;'))).toHaveLength(3);
    expect(await client.listVersions(subjects.created)).toEqual([1, 2]);
  });

  it('producers find the referencing version, old producers their inlined one, and readers decode both', async () => {
    const registration: SchemaRegistration = {
      schema: canonicalSchema(referencing('RefsCreated')),
      references: [
        {
          name: CUSTOMER,
          subject: CUSTOMER,
          registration: { schema: canonicalSchema(customer()), references: [] },
        },
      ],
    };
    const resolved = inlineReferences(referencing('RefsCreated'), (n) =>
      n === CUSTOMER ? customer() : undefined,
    ).schema as object;
    const producer = new TopicCodec({
      topic: 'refs_created',
      subject: subjects.created,
      schema: resolved,
      registration,
      registry: new SchemaRegistryClient({ url: URL }),
    });
    const referencingBytes = await producer.encode(event);
    const referencingId = referencingBytes.readUInt32BE(1);
    expect(referencingId).toBe((await client.getVersion(subjects.created, 2)).id);
    expect(referencingId).not.toBe(inlinedId);
    // A producer still on the inlined text keeps finding version 1.
    expect(
      await new SchemaRegistryClient({ url: URL }).lookup(
        subjects.created,
        canonicalSchema(inlined('RefsCreated')),
      ),
    ).toMatchObject({
      id: inlinedId,
      version: 1,
    });
    // A reader with no caches: the referencing writer schema is fetched with its reference and resolved.
    const reader = new TopicCodec({
      topic: 'refs_created',
      subject: subjects.created,
      schema: resolved,
      registry: new SchemaRegistryClient({ url: URL }),
    });
    await expect(reader.decode(referencingBytes)).resolves.toEqual(event);
    await expect(reader.decode(inlinedBytes)).resolves.toEqual(event);
    expect(await new SchemaRegistryClient({ url: URL }).resolvedSchemaById(referencingId)).toBe(
      canonicalSchema(inlined('RefsCreated')),
    );
  });

  it('check --registry resolves registered references and passes', () => {
    const r = repo.cli(['check', '--registry', URL]);
    expect(r.stdout).toMatch(
      /ok {3}refs_created \(schemas\/avro\/refs_created\.avsc, FULL_TRANSITIVE\): checked against git [0-9a-f]{7}, registry v1 \(id \d+\), registry v2 \(id \d+\)/,
    );
    expect(r.stdout).toContain(`ok   shared type ${CUSTOMER}`);
    expect(r.code).toBe(0);
  });

  it('a breaking change to the shared type fails every topic using it, and the registry refuses it', async () => {
    repo.write(
      SHARED_FILE,
      customer([{ name: 'phone', type: 'string', doc: 'Required: breaks old readers.' }]),
    );
    const r = repo.cli(['check', '--registry', URL]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /FAIL refs_created .*\n(.*\n)*.*RefsCreated\.customer\.phone: [A-Z_]+ \(against registry v2 \(id \d+\)\)/,
    );
    expect(r.stdout).toMatch(/FAIL refs_failed /);
    expect(r.stdout).toContain('checked in every topic using it: refs_created FAIL, refs_failed FAIL');
    const refused = repo.cli(['register', '--registry', URL]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${CUSTOMER} (${SHARED_FILE}) at ${URL}:`);
    expect(await client.listVersions(CUSTOMER)).toEqual([1]);
    expect(await client.listVersions(subjects.created)).toEqual([1, 2]);
  });

  it('the registry also refuses a topic version whose reference points at an incompatible definition', async () => {
    // Bypassing the shared subject's own check: the incompatible Customer lives under another subject.
    const other = `${CUSTOMER}-incompatible`;
    await client.setCompatibility(other, 'NONE');
    await client.register(other, canonicalSchema(customer([{ name: 'phone', type: 'string' }])));
    const err = await client
      .register(subjects.created, canonicalSchema(referencing('RefsCreated')), [
        { name: CUSTOMER, subject: other, version: 1 },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    // Confluent answers 409 INCOMPATIBLE; Apicurio 3.3 answers 422 "Could not execute compatibility rule
    // on invalid Avro schema" (error_code 0) for a schema with references, which classifies as INVALID_SCHEMA.
    expect(['INCOMPATIBLE', 'INVALID_SCHEMA']).toContain((err as RegistryError).code);
    expect(await client.listVersions(subjects.created)).toEqual([1, 2]);
  });
});
