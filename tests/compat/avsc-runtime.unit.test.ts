// The generated codecs decode with avsc, which resolves named types by full name where the Avro
// specification compares unqualified names. Every generated pair the gate calls compatible must
// therefore either resolve in avsc or carry a NAMESPACE_CHANGED warning — and warnings must not cry wolf.
import * as avro from 'avsc';
import { compareSchemas, parseAvroJson } from '@orderflow/codegen';
import { generatePairs } from './schema-pairs';

function avscResolves(reader: unknown, writer: unknown): boolean {
  try {
    avro.Type.forSchema(reader as avro.Schema).createResolver(avro.Type.forSchema(writer as avro.Schema));
    return true;
  } catch {
    return false;
  }
}

describe('compatible verdicts and the avsc runtime', () => {
  it('warn exactly on the compatible pairs avsc refuses to resolve', () => {
    const mismatches: string[] = [];
    let refused = 0;
    for (const p of generatePairs()) {
      const { issues, warnings } = compareSchemas(parseAvroJson(p.reader), parseAvroJson(p.writer));
      if (issues.length > 0) continue;
      const resolves = avscResolves(p.reader, p.writer);
      if (!resolves) refused += 1;
      if (resolves === warnings.length > 0) {
        mismatches.push(
          `#${p.id} ${p.group}: avsc ${resolves ? 'resolves' : 'refuses'}, warnings ${JSON.stringify(warnings.map((w) => w.rule))}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
    expect(refused).toBeGreaterThan(50);
  });
});
