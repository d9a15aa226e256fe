// Every topic schema parses, documents every field, and carries the fields every event must have.
import { parseAvroFile } from '@orderflow/codegen';
import type { AvroNode, NamedDef, RecordDef } from '@orderflow/codegen';
import { schemaText, topicRows } from './support';

const rows = topicRows();

function recordsOf(named: NamedDef[]): RecordDef[] {
  return named.filter((d): d is RecordDef => d.kind === 'record');
}

function isLogical(node: AvroNode | undefined, logicalType: string): boolean {
  return node?.kind === 'logical' && node.logicalType === logicalType;
}

describe.each(rows.map((r) => [r.topic, r] as const))('%s schema', (_topic, row) => {
  const parsed = parseAvroFile(`schemas/${row.schema}`, schemaText(row));

  it('is valid Avro', () => {
    expect(parsed.problems).toEqual([]);
    expect(parsed.model?.root.kind).toBe('record');
  });

  it('has a doc on the record and every field of every nested record', () => {
    const undocumented = recordsOf(parsed.model!.named).flatMap((rec) => [
      ...(rec.doc ? [] : [`${rec.fullName} (record)`]),
      ...rec.fields.filter((f) => !f.doc?.trim()).map((f) => `${rec.fullName}.${f.name}`),
    ]);
    expect(undocumented).toEqual([]);
  });

  it('carries eventId (uuid), occurredAt (timestamp-millis), its key fields, and orderId (uuid) when keyed by order', () => {
    const field = (name: string): AvroNode | undefined =>
      parsed.model!.root.fields.find((f) => f.name === name)?.type;
    expect(isLogical(field('eventId'), 'uuid')).toBe(true);
    expect(isLogical(field('occurredAt'), 'timestamp-millis')).toBe(true);
    if (row.key.includes('orderId')) expect(isLogical(field('orderId'), 'uuid')).toBe(true);
    const isString = (t: AvroNode | undefined): boolean =>
      t?.kind === 'primitive' ? t.type === 'string' : t?.kind === 'logical' && t.underlying === 'string';
    expect(row.key.filter((name) => !isString(field(name)))).toEqual([]);
  });

  it('gives every enum a default so it can grow', () => {
    const enums = parsed.model!.named.filter((d) => d.kind === 'enum');
    expect(enums.filter((e) => e.kind === 'enum' && e.default === undefined).map((e) => e.fullName)).toEqual(
      [],
    );
  });

  it('keeps money as integer minor units with an ISO-4217 currency next to it', () => {
    for (const rec of recordsOf(parsed.model!.named)) {
      for (const f of rec.fields.filter((x) => /amount|price/i.test(x.name))) {
        expect({ field: `${rec.name}.${f.name}`, type: f.type }).toEqual({
          field: `${rec.name}.${f.name}`,
          type: { kind: 'primitive', type: 'long' },
        });
      }
      if (rec.fields.some((f) => f.name === 'amountMinor')) {
        expect(rec.fields.find((f) => f.name === 'currency')?.type).toEqual({
          kind: 'primitive',
          type: 'string',
        });
      }
    }
  });

  it('gives every nullable field a null default (so it can be added or removed compatibly)', () => {
    const bad = recordsOf(parsed.model!.named).flatMap((rec) =>
      rec.fields
        .filter(
          (f) =>
            f.type.kind === 'union' &&
            f.type.branches.some((b) => b.kind === 'primitive' && b.type === 'null'),
        )
        .filter((f) => !(f.hasDefault && f.defaultValue === null))
        .map((f) => `${rec.name}.${f.name}`),
    );
    expect(bad).toEqual([]);
  });
});
