// Golden wire fixtures: each topic's generated codec writes exactly the committed bytes (Confluent
// frame with schema id 1 + Avro body) and reads them back to the committed value; Apache Avro's
// reference implementation (Debian python3-avro) reads the same bytes to the same value.
// Regenerate the .hex goldens after an intended schema change: UPDATE_GOLDEN=1 npx jest tests/contract/wire
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SchemaRegistryClient } from '@orderflow/codec';
import { startFakeRegistry } from '@orderflow/codec/testing';
import type { FakeRegistry } from '@orderflow/codec/testing';
import { topicDescriptors } from '@orderflow/contracts';
import type { TopicName } from '@orderflow/contracts';
import { ROOT, topicRows } from './support';

const FIXTURES = path.join(__dirname, 'fixtures');
const PYTHON = process.env.PYTHON_AVRO ?? '/usr/bin/python3';
const update = process.env.UPDATE_GOLDEN === '1';

interface Fixture {
  schemaId: number;
  /** The event in Avro's JSON encoding (unions wrapped, timestamps as epoch millis). */
  value: unknown;
}

const rows = topicRows();

function fixture(topic: string): { fixture: Fixture; hex: string | undefined } {
  const fixtureFile = path.join(FIXTURES, `${topic}.json`);
  if (!fs.existsSync(fixtureFile))
    throw new Error(
      `missing golden fixture ${path.relative(ROOT, fixtureFile)}: add the event in Avro JSON encoding`,
    );
  const hexFile = path.join(FIXTURES, `${topic}.hex`);
  return {
    fixture: JSON.parse(fs.readFileSync(fixtureFile, 'utf8')) as Fixture,
    hex: fs.existsSync(hexFile) ? fs.readFileSync(hexFile, 'utf8').trim() : undefined,
  };
}

const PY_ROUNDTRIP = `
import sys, io, json, datetime, avro.schema, avro.io
# Logical types are stripped: python3-avro 1.11 cannot validate a null in ["null", uuid] unions
# (it calls uuid.UUID(None)); the bytes are the same, timestamps compare as epoch millis.
def strip(s):
    if isinstance(s, dict):
        return {k: strip(v) for k, v in s.items() if k != 'logicalType'}
    if isinstance(s, list):
        return [strip(v) for v in s]
    return s
req = json.load(sys.stdin)
out = []
for item in req:
    schema = avro.schema.parse(json.dumps(strip(json.loads(item['schema']))))
    body = bytes.fromhex(item['body'])
    datum = avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(body)))
    buf = io.BytesIO()
    avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(buf))
    out.append({'value': datum, 'reencoded': buf.getvalue().hex()})
epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
def default(o):
    if isinstance(o, datetime.datetime):
        return (o - epoch) // datetime.timedelta(milliseconds=1)
    if isinstance(o, datetime.date):
        return o.isoformat()
    if isinstance(o, bytes):
        return o.hex()
    return str(o)
print(json.dumps(out, default=default))
`;

/** Our decoded value as Python's avro renders it: timestamps as epoch millis, records as plain objects. */
function plain(v: unknown): unknown {
  if (v instanceof Date) return v.getTime();
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('golden wire fixtures', () => {
  let fake: FakeRegistry;
  beforeEach(async () => {
    fake = await startFakeRegistry({ firstId: 1 });
  });
  afterEach(() => fake.close());

  it.each(rows.map((r) => [r.topic] as const))(
    '%s encodes to the golden bytes and decodes back',
    async (topic) => {
      const descriptor = topicDescriptors[topic as TopicName];
      const registry = new SchemaRegistryClient({ url: fake.url });
      const codec = descriptor.codec(registry);
      const { fixture: fx, hex } = fixture(topic);
      // The topic's registration first, so it gets the golden id; then the shared types it references.
      const references = descriptor.registration.references.map((r) => ({
        name: r.name,
        subject: r.subject,
        version: 1,
      }));
      expect(fake.add(descriptor.subject, descriptor.registration.schema, references)).toBe(fx.schemaId);
      for (const r of descriptor.registration.references) fake.add(r.subject, r.registration.schema);
      const value = codec.schema.fromString(JSON.stringify(fx.value)) as never;
      expect(descriptor.validate(value)).toEqual([]);
      const bytes = await codec.encode(value);
      if (update) fs.writeFileSync(path.join(FIXTURES, `${topic}.hex`), `${bytes.toString('hex')}\n`);
      expect(hex).toBeDefined();
      expect(bytes.toString('hex')).toBe(hex);
      const decoded = await codec.decode(Buffer.from(hex!, 'hex'));
      expect(decoded).toEqual(value);
      expect(JSON.parse(codec.schema.toString(decoded)) as unknown).toEqual(fx.value);
    },
  );

  it('Apache Avro (python3-avro) reads every golden body to the same value and re-encodes the same bytes', () => {
    const registry = new SchemaRegistryClient({ url: fake.url });
    const items = rows.map((r) => {
      const codec = topicDescriptors[r.topic as TopicName].codec(registry);
      const hex = fixture(r.topic).hex!;
      return { topic: r.topic, codec, hex, schema: codec.schemaText, body: hex.slice(10) };
    });
    let output: string;
    try {
      output = execFileSync(PYTHON, ['-c', PY_ROUNDTRIP], {
        input: JSON.stringify(items.map(({ schema, body }) => ({ schema, body }))),
        encoding: 'utf8',
      });
    } catch (err) {
      throw new Error(
        `Apache Avro's Python implementation is needed (Debian: apt-get install python3-avro; or set PYTHON_AVRO to a python with the avro package): ${(err as Error).message}`,
      );
    }
    const results = JSON.parse(output) as { value: unknown; reencoded: string }[];
    for (const [i, item] of items.entries()) {
      const ours: unknown = item.codec.schema.fromBuffer(Buffer.from(item.body, 'hex'));
      expect({ topic: item.topic, value: results[i]!.value }).toEqual({
        topic: item.topic,
        value: plain(ours),
      });
      expect({ topic: item.topic, bytes: results[i]!.reencoded }).toEqual({
        topic: item.topic,
        bytes: item.body,
      });
    }
  });
});
