// Our compatibility engine must decide every generated pair exactly as Apache Avro's reference checker
// (Python `avro.compatibility`, Debian python3-avro 1.11.1) does.
import fs from 'node:fs';
import path from 'node:path';
import { canReaderRead, parseAvroJson } from '@orderflow/codegen';
import type { CompatRule } from '@orderflow/codegen';
import { assertReferenceAvailable, referenceVerdicts } from './reference-checker';
import { generatePairs, specNormalForm } from './schema-pairs';

// Runs python3 over thousands of pairs on a shared 2-core machine; jest's 5 s default is too tight.
jest.setTimeout(60_000);

const pairs = generatePairs();

function ourVerdict(reader: unknown, writer: unknown): { compatible: boolean; rules: CompatRule[] } {
  const issues = canReaderRead(parseAvroJson(reader), parseAvroJson(writer));
  return { compatible: issues.length === 0, rules: issues.map((i) => i.rule) };
}

describe("agreement with Apache Avro's reference checker", () => {
  beforeAll(() => assertReferenceAvailable());

  it('decides every generated pair as the reference does (names written the way the specification compares them)', () => {
    // AVRO-3622 (apache/avro#1843, fixed after 1.11.1): the Python checker compares the `name`
    // attribute as written and looks aliases up as written, so `"name": "a.X"` does not match
    // `"name": "X", "namespace": "a"` there, while the specification and the Java checker (which
    // schema registries run) compare unqualified names and namespace-qualified aliases. We follow the
    // specification and hand the reference each schema in the equivalent spelling it handles right.
    const reference = referenceVerdicts(
      pairs.map((p) => ({ id: p.id, reader: specNormalForm(p.reader), writer: specNormalForm(p.writer) })),
    );
    const raw = referenceVerdicts(pairs);
    const disagreements: string[] = [];
    const rulesSeen = new Set<CompatRule>();
    let compatible = 0;
    let rawOnlyDifferences = 0;
    for (const p of pairs) {
      const ref = reference.get(p.id);
      if (!ref || 'error' in ref)
        throw new Error(
          `the reference could not check pair ${p.id} (${p.group}): ${ref ? ref.error : 'no answer'}`,
        );
      const ours = ourVerdict(p.reader, p.writer);
      ours.rules.forEach((r) => rulesSeen.add(r));
      if (ours.compatible) compatible += 1;
      if (ours.compatible !== ref.compatible) {
        disagreements.push(
          `#${p.id} ${p.group}: reader ${JSON.stringify(p.reader)} writer ${JSON.stringify(p.writer)}: ours ${String(ours.compatible)}, reference ${String(ref.compatible)}`,
        );
      }
      const rawRef = raw.get(p.id);
      if (rawRef && 'compatible' in rawRef && rawRef.compatible !== ref.compatible) rawOnlyDifferences += 1;
    }
    const summary = {
      pairs: pairs.length,
      agree: pairs.length - disagreements.length,
      compatible,
      incompatible: pairs.length - compatible,
      pythonSpellingDifferences: rawOnlyDifferences,
    };
    const out = path.join(__dirname, '../../.test-results');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'compat-crosscheck.json'), JSON.stringify(summary, null, 2) + '\n');

    expect(disagreements).toEqual([]);
    expect(pairs.length).toBeGreaterThan(3000);
    // The set is only a test if it has plenty of both verdicts and reaches every rule.
    expect(compatible).toBeGreaterThan(500);
    expect(pairs.length - compatible).toBeGreaterThan(500);
    expect([...rulesSeen].sort()).toEqual([
      'ENUM_SYMBOL_MISSING',
      'FIXED_SIZE_MISMATCH',
      'NAME_MISMATCH',
      'READER_FIELD_MISSING_DEFAULT',
      'TYPE_MISMATCH',
      'UNION_BRANCH_UNREADABLE',
    ]);
  });

  it('differs from python3-avro 1.11.1 only on fully-qualified names and relative aliases (AVRO-3622), where it follows the specification', () => {
    const cases = [
      {
        reader: { type: 'record', name: 'X', fields: [] },
        writer: { type: 'record', name: 'a.X', fields: [] },
      },
      {
        reader: { type: 'record', name: 'Y', namespace: 'a', aliases: ['X'], fields: [] },
        writer: { type: 'record', name: 'X', namespace: 'a', fields: [] },
      },
    ].map((c, id) => ({ id, ...c }));
    const raw = referenceVerdicts(cases);
    const normal = referenceVerdicts(
      cases.map((c) => ({ id: c.id, reader: specNormalForm(c.reader), writer: specNormalForm(c.writer) })),
    );
    for (const c of cases) {
      expect(raw.get(c.id)).toEqual({ compatible: false });
      expect(normal.get(c.id)).toEqual({ compatible: true });
      expect(ourVerdict(c.reader, c.writer).compatible).toBe(true);
    }
  });
});
