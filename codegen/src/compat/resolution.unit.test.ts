import * as avro from 'avsc';
import { parseAvroJson } from './avro-schema';
import { canReaderRead, compareSchemas } from './resolution';
import type { Direction } from './resolution';

const check = (reader: unknown, writer: unknown, direction: Direction = 'generic') =>
  canReaderRead(parseAvroJson(reader), parseAvroJson(writer), direction);
const rules = (reader: unknown, writer: unknown) => check(reader, writer).map((i) => `${i.rule} ${i.path}`);
const rec = (name: string, fields: unknown[], extra: object = {}) => ({
  type: 'record',
  name,
  ...extra,
  fields,
});

describe('primitives and promotions', () => {
  const allowed: Array<[string, string]> = [
    ['int', 'long'],
    ['int', 'float'],
    ['int', 'double'],
    ['long', 'float'],
    ['long', 'double'],
    ['float', 'double'],
    ['string', 'bytes'],
    ['bytes', 'string'],
  ];
  it.each(allowed)('a %s writer is readable as %s', (writer, reader) => {
    expect(check(reader, writer)).toEqual([]);
  });

  it.each([
    ['long', 'int'],
    ['double', 'float'],
    ['float', 'long'],
    ['int', 'string'],
    ['boolean', 'int'],
    ['null', 'string'],
  ])('a %s writer is not readable as %s (TYPE_MISMATCH)', (writer, reader) => {
    expect(rules(reader, writer)).toEqual(['TYPE_MISMATCH $']);
  });

  it('every primitive reads itself', () => {
    for (const t of ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'])
      expect(check(t, t)).toEqual([]);
  });
});

describe('records', () => {
  const v1 = rec('Line', [
    { name: 'sku', type: 'string' },
    { name: 'quantity', type: 'int' },
  ]);
  const withoutQuantity = rec('Line', [{ name: 'sku', type: 'string' }]);

  it('a removed field without a default breaks an old reader, and says so in words', () => {
    const issues = check(v1, withoutQuantity, 'forward');
    expect(issues).toEqual([
      {
        path: 'Line.quantity',
        rule: 'FIELD_REMOVED_NO_DEFAULT',
        message:
          '`quantity` was removed and has no default: a reader on the old schema cannot read new events',
      },
    ]);
  });

  it('a field added without a default cannot be read from old events by the new schema', () => {
    expect(check(v1, withoutQuantity, 'backward')).toEqual([
      {
        path: 'Line.quantity',
        rule: 'READER_FIELD_MISSING_DEFAULT',
        message:
          '`quantity` was added without a default: a reader on the new schema cannot read old events, which lack it',
      },
    ]);
  });

  it('a reader field with a default (null included) may be missing from the writer', () => {
    expect(
      check(
        rec('Line', [
          { name: 'sku', type: 'string' },
          { name: 'quantity', type: 'int', default: 1 },
        ]),
        withoutQuantity,
      ),
    ).toEqual([]);
    expect(
      check(
        rec('Line', [
          { name: 'sku', type: 'string' },
          { name: 'note', type: ['null', 'string'], default: null },
        ]),
        withoutQuantity,
      ),
    ).toEqual([]);
  });

  it('a writer field the reader does not know is skipped', () => {
    expect(check(withoutQuantity, v1)).toEqual([]);
  });

  it('fields match by name regardless of order, and through the reader field aliases', () => {
    expect(
      check(
        rec('Line', [
          { name: 'quantity', type: 'int' },
          { name: 'sku', type: 'string' },
        ]),
        v1,
      ),
    ).toEqual([]);
    expect(
      check(
        rec('Line', [
          { name: 'sku', type: 'string' },
          { name: 'qty', type: 'long', aliases: ['quantity'] },
        ]),
        v1,
      ),
    ).toEqual([]);
    // Writer aliases do not take part in resolution.
    expect(
      rules(
        v1,
        rec('Line', [
          { name: 'sku', type: 'string' },
          { name: 'qty', type: 'int', aliases: ['quantity'] },
        ]),
      ),
    ).toEqual(['READER_FIELD_MISSING_DEFAULT Line.quantity']);
  });

  it('a renamed field breaks old readers even with an alias, and the message says it was renamed', () => {
    const renamed = rec('Line', [
      { name: 'sku', type: 'string' },
      { name: 'qty', type: 'int', aliases: ['quantity'] },
    ]);
    expect(check(renamed, v1, 'backward')).toEqual([]);
    expect(check(v1, renamed, 'forward')).toEqual([
      {
        path: 'Line.quantity',
        rule: 'FIELD_REMOVED_NO_DEFAULT',
        message:
          '`quantity` was renamed to `qty` and has no default: the alias lets the new schema read old events, but a reader on the old schema still looks for `quantity` and cannot read new events',
      },
    ]);
  });

  it('a changed field type is reported at the field path', () => {
    const issues = check(
      rec('Line', [{ name: 'quantity', type: 'string' }]),
      rec('Line', [{ name: 'quantity', type: 'int' }]),
      'forward',
    );
    expect(issues).toEqual([
      {
        path: 'Line.quantity',
        rule: 'TYPE_MISMATCH',
        message:
          '`quantity` is int in the new schema but string in the old schema, and int cannot be read as string: a reader on the old schema cannot read new events',
      },
    ]);
  });

  it('nested records report the full path through arrays and maps', () => {
    const order = (line: unknown) =>
      rec('OrderCreated', [
        { name: 'lines', type: { type: 'array', items: line } },
        { name: 'byId', type: { type: 'map', values: 'Line' } },
      ]);
    expect(rules(order(v1), order(withoutQuantity))).toEqual([
      'READER_FIELD_MISSING_DEFAULT OrderCreated.lines[].quantity',
      'READER_FIELD_MISSING_DEFAULT OrderCreated.byId{}.quantity',
    ]);
    const customer = (email: unknown[]) =>
      rec('OrderCreated', [{ name: 'customer', type: rec('Customer', email) }]);
    expect(rules(customer([{ name: 'email', type: 'string' }]), customer([]))).toEqual([
      'READER_FIELD_MISSING_DEFAULT OrderCreated.customer.email',
    ]);
  });

  it('recursive records terminate and still find breaks', () => {
    const node = (value: string, extra: unknown[] = []) =>
      rec('Node', [
        { name: 'value', type: value },
        { name: 'next', type: ['null', 'Node'], default: null },
        ...extra,
      ]);
    expect(check(node('long'), node('int'))).toEqual([]);
    expect(rules(node('int'), node('long'))).toEqual(['TYPE_MISMATCH Node.value']);
    expect(rules(node('int', [{ name: 'label', type: 'string' }]), node('int'))).toEqual([
      'READER_FIELD_MISSING_DEFAULT Node.label',
    ]);
  });
});

describe('names', () => {
  it('records match by unqualified name, whatever their namespaces', () => {
    expect(check(rec('X', [], { namespace: 'a' }), rec('b.X', []))).toEqual([]);
    expect(check(rec('X', []), rec('a.X', []))).toEqual([]);
  });

  it('a renamed record needs the old full name among the reader aliases (relative aliases take the namespace)', () => {
    expect(rules(rec('Y', []), rec('X', []))).toEqual(['NAME_MISMATCH Y']);
    expect(check(rec('Y', [], { aliases: ['X'] }), rec('X', []))).toEqual([]);
    expect(check(rec('Y', [], { namespace: 'a', aliases: ['X'] }), rec('X', [], { namespace: 'a' }))).toEqual(
      [],
    );
    expect(rules(rec('Y', [], { namespace: 'a', aliases: ['X'] }), rec('X', [], { namespace: 'b' }))).toEqual(
      ['NAME_MISMATCH Y'],
    );
    expect(
      check(rec('Y', [], { namespace: 'a', aliases: ['b.X'] }), rec('X', [], { namespace: 'b' })),
    ).toEqual([]);
  });
});

describe('enums', () => {
  const e = (symbols: string[], extra: object = {}) => ({ type: 'enum', name: 'Status', symbols, ...extra });

  it('a writer symbol the reader lacks breaks the reader unless the reader enum has a default', () => {
    const issues = check(
      rec('R', [{ name: 'status', type: e(['A', 'B']) }]),
      rec('R', [{ name: 'status', type: e(['A', 'B', 'C']) }]),
      'forward',
    );
    expect(issues).toEqual([
      {
        path: 'R.status',
        rule: 'ENUM_SYMBOL_MISSING',
        message:
          "`status` (enum Status) has symbol `C` in the new schema that the old schema lacks, and the old schema's enum has no default to fall back to: a reader on the old schema cannot read new events that carry it",
      },
    ]);
    expect(check(e(['A', 'B'], { default: 'A' }), e(['A', 'B', 'C']))).toEqual([]);
  });

  it('extra reader symbols and reordering are fine', () => {
    expect(check(e(['C', 'B', 'A']), e(['A', 'B']))).toEqual([]);
  });

  it('enum names follow the record name rules', () => {
    expect(rules({ type: 'enum', name: 'Other', symbols: ['A'] }, e(['A']))).toEqual(['NAME_MISMATCH Other']);
    expect(check({ type: 'enum', name: 'Other', aliases: ['Status'], symbols: ['A'] }, e(['A']))).toEqual([]);
  });
});

describe('fixed', () => {
  it('size and name must match', () => {
    expect(check({ type: 'fixed', name: 'Md5', size: 16 }, { type: 'fixed', name: 'Md5', size: 16 })).toEqual(
      [],
    );
    expect(rules({ type: 'fixed', name: 'Md5', size: 16 }, { type: 'fixed', name: 'Md5', size: 8 })).toEqual([
      'FIXED_SIZE_MISMATCH Md5',
    ]);
    expect(
      rules({ type: 'fixed', name: 'Hash', size: 16 }, { type: 'fixed', name: 'Md5', size: 16 }),
    ).toEqual(['NAME_MISMATCH Hash']);
    expect(rules({ type: 'fixed', name: 'Md5', size: 16 }, 'bytes')).toEqual(['TYPE_MISMATCH Md5']);
  });
});

describe('unions', () => {
  const field = (type: unknown) => rec('R', [{ name: 'email', type }]);

  it('a nullable writer breaks a non-nullable reader (UNION_BRANCH_UNREADABLE)', () => {
    const issues = check(field('string'), field(['null', 'string']), 'forward');
    expect(issues).toEqual([
      {
        path: 'R.email',
        rule: 'UNION_BRANCH_UNREADABLE',
        message:
          "`email` may be null in the new schema, which the old schema's string cannot read: a reader on the old schema cannot read new events where it is null",
      },
    ]);
  });

  it('a reader union reads a writer type when some branch can (promotions included)', () => {
    expect(check(field(['null', 'string']), field('string'))).toEqual([]);
    expect(check(field(['null', 'long']), field('int'))).toEqual([]);
    expect(rules(field(['null', 'string']), field('int'))).toEqual(['TYPE_MISMATCH R.email']);
  });

  it('every writer branch must be readable by some reader branch', () => {
    expect(check(field(['string', 'null', 'long']), field(['null', 'int']))).toEqual([]);
    expect(rules(field(['null', 'string']), field(['null', 'string', 'int']))).toEqual([
      'UNION_BRANCH_UNREADABLE R.email',
    ]);
  });

  it('a record inside a union is explained through its own fields', () => {
    const customer = (fields: unknown[]) => field(['null', rec('Customer', fields)]);
    expect(rules(customer([{ name: 'name', type: 'string' }]), customer([]))).toEqual([
      'READER_FIELD_MISSING_DEFAULT R.email.name',
    ]);
  });

  it('an empty writer union writes nothing, so anything reads it', () => {
    expect(check('int', [])).toEqual([]);
  });
});

describe('namespace changes (allowed by Avro, refused by avsc)', () => {
  const customer = (namespace: string, extra: object = {}) => ({
    type: 'record',
    name: 'Customer',
    namespace,
    ...extra,
    fields: [{ name: 'id', type: 'string' }],
  });
  const resolves = (reader: unknown, writer: unknown) => {
    try {
      avro.Type.forSchema(reader as avro.Schema).createResolver(avro.Type.forSchema(writer as avro.Schema));
      return true;
    } catch {
      return false;
    }
  };

  it('is compatible, with a NAMESPACE_CHANGED warning, because the codecs decode with avsc', () => {
    const { issues, warnings } = compareSchemas(
      parseAvroJson(customer('shop.v2')),
      parseAvroJson(customer('shop')),
      'backward',
    );
    expect(issues).toEqual([]);
    expect(warnings).toEqual([
      {
        path: 'Customer',
        rule: 'NAMESPACE_CHANGED',
        message:
          '`Customer` is `shop.Customer` in the old schema but `shop.v2.Customer` in the new schema: Avro matches them by unqualified name, but avsc (which the generated codecs decode with) matches full names and will refuse; keep the namespace, or add the alias `shop.Customer` to the new schema',
      },
    ]);
    expect(resolves(customer('shop.v2'), customer('shop'))).toBe(false);
  });

  it('gives no warning when the reader lists the old full name as an alias, and avsc then resolves', () => {
    const reader = customer('shop.v2', { aliases: ['shop.Customer'] });
    expect(compareSchemas(parseAvroJson(reader), parseAvroJson(customer('shop'))).warnings).toEqual([]);
    expect(resolves(reader, customer('shop'))).toBe(true);
  });
});
