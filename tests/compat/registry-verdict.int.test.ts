// The live registry's own compatibility verdict (Apicurio's Confluent API, which runs Avro's Java
// checker) must agree with ours on a sample of the generated pairs, at BACKWARD, FORWARD and FULL.
import { randomUUID } from 'node:crypto';
import { checkLevel, parseAvroJson } from '@orderflow/codegen';
import type { CompatibilityLevel } from '@orderflow/codegen';
import { SchemaRegistryClient } from '@orderflow/codec';
import { generatePairs } from './schema-pairs';

// Hundreds of registry round trips on a shared 2-core machine; jest's 5 s default is too tight.
jest.setTimeout(60_000);

const URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7';
const LEVELS: CompatibilityLevel[] = ['BACKWARD', 'FORWARD', 'FULL'];
const STRIDE = 37;

// Every 37th pair (about 96, spread over every group) plus the namespace/alias spellings on which
// python3-avro 1.11.1 is wrong (AVRO-3622), to show the registry decides those as we do.
const all = generatePairs();
const sample = all.filter((p) => p.id % STRIDE === 0 || (p.group === 'names and aliases' && p.id % 7 === 0));

describe('agreement with the schema registry', () => {
  const client = new SchemaRegistryClient({ url: URL });
  const run = randomUUID().slice(0, 8);
  const subjects: string[] = [];

  afterAll(async () => {
    // Scratch subjects only; a failed delete leaves a harmless subject behind, so it is not a test failure.
    const failures: string[] = [];
    for (const subject of subjects) {
      for (const query of ['', '?permanent=true']) {
        const res = await fetch(`${URL}/subjects/${subject}${query}`, { method: 'DELETE' }).catch(
          (err: unknown) => err as Error,
        );
        if (res instanceof Error || (!res.ok && res.status !== 404)) failures.push(`${subject}${query}`);
      }
    }
    if (failures.length) console.warn(`could not delete scratch subjects: ${failures.join(', ')}`);
  }, 120_000);

  it(`decides ${sample.length} sampled pairs as the registry does at its subject's level`, async () => {
    const disagreements: string[] = [];
    const verdicts = { compatible: 0, incompatible: 0 };
    for (const [n, pair] of sample.entries()) {
      // The writer is the registered (old) version, the reader the candidate (new) one, so at
      // BACKWARD the registry asks exactly "can the reader read the writer".
      const level = LEVELS[n % LEVELS.length] ?? 'BACKWARD';
      const subject = `compat-xcheck-${run}-${pair.id}`;
      subjects.push(subject);
      await client.setCompatibility(subject, level);
      await client.register(subject, JSON.stringify(pair.writer));
      const registry = await client.testCompatibility(subject, JSON.stringify(pair.reader));
      const ours =
        checkLevel(level, parseAvroJson(pair.reader), [
          { label: 'registered', schema: parseAvroJson(pair.writer) },
        ]).length === 0;
      verdicts[registry ? 'compatible' : 'incompatible'] += 1;
      if (registry !== ours) {
        disagreements.push(
          `#${pair.id} ${pair.group} at ${level}: old ${JSON.stringify(pair.writer)} new ${JSON.stringify(pair.reader)}: ours ${String(ours)}, registry ${String(registry)}`,
        );
      }
    }
    expect(disagreements).toEqual([]);
    expect(sample.length).toBeGreaterThanOrEqual(90);
    // A sample of one verdict would prove little.
    expect(verdicts.compatible).toBeGreaterThan(30);
    expect(verdicts.incompatible).toBeGreaterThan(30);
  }, 180_000);
});
