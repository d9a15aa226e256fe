// `npm run schema -- register` and `check --registry` against the real registry: scratch subjects in a
// scratch repository, then the project's own topics (services rely on them being registered).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalSchema, SchemaRegistryClient } from '@orderflow/codec';
import { topicDescriptors } from '@orderflow/contracts';
import { runSchemaCli, ScratchRepo } from './run-cli';

// Spawns real processes (tsx, python3, git) on a shared 2-core machine; jest's 5 s default is too tight.
jest.setTimeout(60_000);

const URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7';
const ROOT = path.resolve(__dirname, '../../..');

const rec = (fields: unknown[]) => ({
  type: 'record',
  name: 'Shipment',
  namespace: 'orderflow.test',
  fields,
});
const f = (name: string, type: unknown, extra: object = {}) => ({ name, type, ...extra });
const V1 = rec([f('orderId', 'string'), f('carrier', 'string')]);

describe('schema register and check --registry (scratch subjects)', () => {
  const run = randomUUID().slice(0, 8);
  const subjects = { full: `shipment_${run}-value`, backward: `shipment_audit_${run}-value` };
  const client = new SchemaRegistryClient({ url: URL });
  let repo: ScratchRepo;

  beforeAll(() => {
    repo = new ScratchRepo([
      { topic: 'shipment', subject: subjects.full, compatibility: 'FULL_TRANSITIVE' },
      { topic: 'shipment_audit', subject: subjects.backward, compatibility: 'BACKWARD' },
    ]);
    repo.write('schemas/avro/shipment.avsc', V1);
    repo.write('schemas/avro/shipment_audit.avsc', V1);
    repo.commit('v1');
  });

  afterAll(async () => {
    repo.remove();
    for (const subject of Object.values(subjects)) {
      await fetch(`${URL}/subjects/${subject}`, { method: 'DELETE' }).catch(() => undefined);
      await fetch(`${URL}/subjects/${subject}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
    }
  });

  it('register sets each level, registers the canonical schema and is idempotent', async () => {
    const first = repo.cli(['register', '--registry', URL]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const line = (subject: string, out: string) =>
      out.split('\n').find((l) => l.startsWith(`${subject} -> `));
    expect(line(subjects.full, first.stdout)).toMatch(
      /-> id \d+, version 1 \(registered; FULL_TRANSITIVE\)$/,
    );
    expect(line(subjects.backward, first.stdout)).toMatch(/-> id \d+, version 1 \(registered; BACKWARD\)$/);
    expect(await client.getCompatibility(subjects.full)).toBe('FULL_TRANSITIVE');
    expect(await client.getCompatibility(subjects.backward)).toBe('BACKWARD');
    // The codecs look the schema up by its canonical text; it must be found as registered.
    expect(await client.lookup(subjects.full, canonicalSchema(JSON.stringify(V1)))).toMatchObject({
      version: 1,
    });

    const again = repo.cli(['register', '--registry', URL]);
    expect(again.code).toBe(0);
    const id = /id (\d+)/.exec(line(subjects.full, first.stdout) ?? '')?.[1];
    expect(line(subjects.full, again.stdout)).toBe(
      `${subjects.full} -> id ${String(id)}, version 1 (already registered; FULL_TRANSITIVE)`,
    );
    expect(await client.listVersions(subjects.full)).toEqual([1]);
  });

  it('check --registry passes for a compatible edit and names registry versions it checked', () => {
    repo.write(
      'schemas/avro/shipment.avsc',
      rec([
        f('orderId', 'string'),
        f('carrier', 'string'),
        f('tracking', ['null', 'string'], { default: null }),
      ]),
    );
    const r = repo.cli(['check', '--registry', URL]);
    expect(r.stdout).toMatch(
      /ok {3}shipment \(schemas\/avro\/shipment\.avsc, FULL_TRANSITIVE\): checked against git [0-9a-f]{7}, registry v1 \(id \d+\)/,
    );
    expect(r.code).toBe(0);
  });

  it('check --registry catches a version the registry has and git never had', async () => {
    // Someone registered v2 by hand with a required `depot`; the working tree knows nothing of it.
    await client.register(
      subjects.backward,
      JSON.stringify(
        rec([f('orderId', 'string'), f('carrier', 'string'), f('depot', 'string', { default: 'main' })]),
      ),
    );
    repo.write(
      'schemas/avro/shipment_audit.avsc',
      rec([f('orderId', 'string'), f('carrier', 'string'), f('depot', 'int', { default: 0 })]),
    );
    const r = repo.cli(['check', '--registry', URL, '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      topics: Array<{ topic: string; issues: Array<{ path: string; rule: string; against: string }> }>;
    };
    const audit = report.topics.find((t) => t.topic === 'shipment_audit');
    expect(audit?.issues.map((i) => `${i.path} ${i.rule} ${i.against}`)).toEqual([
      expect.stringMatching(/^Shipment\.depot TYPE_MISMATCH registry v2 \(id \d+\)$/) as unknown,
    ]);
  });

  it('check fails on a removed required field against both git and the registry, and the registry agrees', async () => {
    repo.write('schemas/avro/shipment.avsc', rec([f('orderId', 'string')]));
    const r = repo.cli(['check', '--registry', URL]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Shipment\.carrier: FIELD_REMOVED_NO_DEFAULT \(against git [0-9a-f]{7}\)/);
    expect(r.stdout).toMatch(
      /Shipment\.carrier: FIELD_REMOVED_NO_DEFAULT \(against registry v1 \(id \d+\)\)/,
    );
    expect(r.stdout).toContain(
      '`carrier` was removed and has no default: a reader on the old schema cannot read new events',
    );
    expect(await client.testCompatibility(subjects.full, JSON.stringify(rec([f('orderId', 'string')])))).toBe(
      false,
    );
    // The registry itself refuses to register it, and register says where.
    const refused = repo.cli(['register', '--registry', URL]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${subjects.full} (schemas/avro/shipment.avsc) at ${URL}:`);
    expect(refused.stderr).toContain('npm run schema -- check --registry');
    expect(await client.listVersions(subjects.full)).toEqual([1]);
  });

  it('exits 2 naming the registry when it cannot be reached', () => {
    const r = repo.cli(['check', '--registry', 'http://127.0.0.1:9/apis/ccompat/v7']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('registry http://127.0.0.1:9/apis/ccompat/v7: ');
    expect(r.stderr).toContain('unreachable');
  });

  // Before: every subject answered 404, read as "not registered yet", and the check passed silently.
  it.each([
    ['a path that is not the API', `${new globalThis.URL(URL).origin}/nope`],
    ...(new globalThis.URL(URL).pathname.length > 1
      ? [
          [
            'the Confluent-style root of a registry whose API lives under a path',
            new globalThis.URL(URL).origin,
          ],
        ]
      : []),
  ])('exits 2 when --registry is %s, saying it is not a schema registry and what to set', (_what, wrong) => {
    const r = repo.cli(['check', '--registry', wrong]);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain('compatible');
    expect(r.stderr).toContain(`schema: registry ${wrong}: `);
    expect(r.stderr).toContain('does not look like a schema registry');
    expect(r.stderr).toContain('SCHEMA_REGISTRY_URL');
    expect(r.stderr).toContain('/apis/ccompat/v7');
  });
});

describe("the project's own topics", () => {
  const client = new SchemaRegistryClient({ url: URL });
  it('are registered at their levels with the text the codecs look up, and pass check --registry', async () => {
    const table = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas/topics.json'), 'utf8')) as {
      topics: Array<{ topic: string; schema: string; subject: string; compatibility: string }>;
    };
    const r = runSchemaCli(['register', '--registry', URL], ROOT);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const t of table.topics) {
      // What the generated codecs look up: the file as written, with its shared types' versions as references.
      const descriptor = topicDescriptors[t.topic as keyof typeof topicDescriptors];
      expect(canonicalSchema(fs.readFileSync(path.join(ROOT, 'schemas', t.schema), 'utf8'))).toBe(
        descriptor.registration.schema,
      );
      const found = await client.lookupWithReferences(t.subject, descriptor.registration);
      expect(found?.version).toBeGreaterThanOrEqual(1);
      expect(await client.getCompatibility(t.subject)).toBe(t.compatibility);
    }
    for (const shared of ['dev.orderflow.events.Customer', 'dev.orderflow.events.OrderLine'])
      expect(await client.getCompatibility(shared)).toBe('FULL_TRANSITIVE');
    const check = runSchemaCli(['check', '--registry', URL], ROOT);
    expect(check.stdout).toContain(`All ${table.topics.length} topics are compatible.`);
    expect(check.code).toBe(0);
  });
});
