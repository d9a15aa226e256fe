import fs from 'node:fs';
import path from 'node:path';
import { readResolvedSchema } from '../generator/shared-types';
import { parseAvroJson } from './avro-schema';
import { checkLevel } from './levels';
import { checkSemantics, semanticFindings, unitOfName, unitsOfDoc } from './semantic';

const AVRO_DIR = path.resolve(__dirname, '../../../schemas/avro');
const REAL = fs
  .readdirSync(AVRO_DIR)
  .filter((f) => f.endsWith('.avsc'))
  .sort();

type Json = Record<string, unknown> & { fields: Array<Record<string, unknown>> };
// Shared types inlined: the schema each topic writes.
const load = (file: string): Json =>
  readResolvedSchema(path.dirname(path.dirname(AVRO_DIR)), `schemas/avro/${file}`) as Json;
const field = (schema: Json, name: string): Record<string, unknown> => {
  const f = schema.fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
};
const enumOf = (schema: Json, name: string) =>
  field(schema, name).type as { symbols: string[]; default?: string };
const findings = (old: unknown, next: unknown) =>
  semanticFindings(parseAvroJson(old), parseAvroJson(next)).map((f) => `${f.severity} ${f.rule} ${f.path}`);

describe('semantic rules on the real schemas', () => {
  it.each(REAL)('%s against itself has no findings', (file) => {
    expect(findings(load(file), load(file))).toEqual([]);
  });

  it('order_created: occurredAt timestamp-millis → timestamp-micros is an error Avro lets through', () => {
    const old = load('order_created.avsc');
    const next = load('order_created.avsc');
    field(next, 'occurredAt').type = { type: 'long', logicalType: 'timestamp-micros' };
    // Avro's verdict: compatible at FULL (long reads long).
    expect(checkLevel('FULL', parseAvroJson(next), [{ label: 'v1', schema: parseAvroJson(old) }])).toEqual(
      [],
    );
    const [finding, ...rest] = semanticFindings(parseAvroJson(old), parseAvroJson(next));
    expect(rest).toEqual([]);
    expect(finding).toEqual({
      path: 'OrderCreated.occurredAt',
      rule: 'logical-type-precision',
      severity: 'error',
      message:
        '`occurredAt` is `timestamp-millis` in the old schema but `timestamp-micros` in the new: Avro reads the number unchanged, so every old event is read 1000× off (and new events by old readers the other way)',
      fix: 'add a new field with the new precision and deprecate the old one, or keep the precision',
    });
  });

  it('order_created: amountMinor renamed to amount through an alias drops its unit (warning)', () => {
    const next = load('order_created.avsc');
    Object.assign(field(next, 'amountMinor'), { name: 'amount', aliases: ['amountMinor'] });
    expect(findings(load('order_created.avsc'), next)).toEqual(['warning unit-dropped OrderCreated.amount']);
  });

  it('order_created: lines[].unitPriceMinor → unitPriceCents is the same unit; → unitPriceMajor is an error', () => {
    const line = (s: Json) => (field(s, 'lines').type as { items: Json }).items;
    const cents = load('order_created.avsc');
    Object.assign(field(line(cents), 'unitPriceMinor'), {
      name: 'unitPriceCents',
      aliases: ['unitPriceMinor'],
    });
    expect(findings(load('order_created.avsc'), cents)).toEqual([]);
    const major = load('order_created.avsc');
    Object.assign(field(line(major), 'unitPriceMinor'), {
      name: 'unitPriceMajor',
      aliases: ['unitPriceMinor'],
    });
    expect(findings(load('order_created.avsc'), major)).toEqual([
      'error unit-renamed OrderCreated.lines[].unitPriceMajor',
    ]);
  });

  it('payment_failed: reordering reason symbols is a warning; changing the enum default is an error', () => {
    const reordered = load('payment_failed.avsc');
    enumOf(reordered, 'reason').symbols = ['UNKNOWN', 'INSUFFICIENT_FUNDS', 'DECLINED', 'LIMIT_EXCEEDED'];
    expect(findings(load('payment_failed.avsc'), reordered)).toEqual([
      'warning enum-reordered PaymentFailed.reason',
    ]);
    const defaulted = load('payment_failed.avsc');
    enumOf(defaulted, 'reason').default = 'DECLINED';
    expect(findings(load('payment_failed.avsc'), defaulted)).toEqual([
      'error enum-default-changed PaymentFailed.reason',
    ]);
  });

  it('inventory_updated: changing reservationId default from null is an error', () => {
    const next = load('inventory_updated.avsc');
    const f = field(next, 'reservationId');
    f.type = ['string', 'null'];
    f.default = 'none';
    expect(findings(load('inventory_updated.avsc'), next)).toContain(
      'error field-default-changed InventoryUpdated.reservationId',
    );
  });

  it('payment_refunded: a removed reason symbol that comes back is an error (enum-symbol-reused)', () => {
    const v1 = load('payment_refunded.avsc');
    const v2 = load('payment_refunded.avsc');
    enumOf(v2, 'reason').symbols = ['UNKNOWN', 'OUT_OF_STOCK'];
    const v3 = load('payment_refunded.avsc');
    const found = checkSemantics('FULL_TRANSITIVE', parseAvroJson(v3), [
      { label: 'v1', schema: parseAvroJson(v1) },
      { label: 'v2', schema: parseAvroJson(v2) },
    ]);
    expect(found.map((f) => `${f.severity} ${f.rule} ${f.path} ${f.against}`)).toEqual([
      'error enum-symbol-reused PaymentRefunded.reason v2',
    ]);
    expect(found[0]?.message).toContain(
      '`ORDER_EXPIRED` (enum RefundReason) was in v1, removed by v2, and is back',
    );
  });
});

describe('semantic rules on crafted pairs', () => {
  const rec = (fields: unknown[]) => ({ type: 'record', name: 'R', fields });
  const one = (type: unknown, extra: object = {}) => rec([{ name: 'f', type, ...extra }]);

  it.each([
    [
      'time-millis → time-micros',
      { type: 'int', logicalType: 'time-millis' },
      { type: 'long', logicalType: 'time-micros' },
      'error logical-type-precision',
    ],
    [
      'local-timestamp-micros → -millis',
      { type: 'long', logicalType: 'local-timestamp-micros' },
      { type: 'long', logicalType: 'local-timestamp-millis' },
      'error logical-type-precision',
    ],
    ['date → int', { type: 'int', logicalType: 'date' }, 'int', 'error logical-type-changed'],
    ['int → date', 'int', { type: 'int', logicalType: 'date' }, 'error logical-type-changed'],
    [
      'timestamp-millis → long',
      { type: 'long', logicalType: 'timestamp-millis' },
      'long',
      'error logical-type-changed',
    ],
    ['uuid → string', { type: 'string', logicalType: 'uuid' }, 'string', 'warning logical-type-uuid'],
    ['string → uuid', 'string', { type: 'string', logicalType: 'uuid' }, 'warning logical-type-uuid'],
    [
      'decimal scale 2 → 3',
      { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 },
      { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 3 },
      'error decimal-scale',
    ],
    [
      'decimal precision 9 → 12',
      { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 },
      { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 },
      'warning decimal-precision',
    ],
    [
      'nullable timestamp millis → micros',
      ['null', { type: 'long', logicalType: 'timestamp-millis' }],
      ['null', { type: 'long', logicalType: 'timestamp-micros' }],
      'error logical-type-precision',
    ],
    [
      'array of dates → array of ints',
      { type: 'array', items: { type: 'int', logicalType: 'date' } },
      { type: 'array', items: 'int' },
      'error logical-type-changed',
    ],
  ])('%s', (_case, oldType, newType, expected) => {
    const withDefault = Array.isArray(oldType) ? { default: null } : {};
    const path =
      typeof oldType === 'object' && !Array.isArray(oldType) && 'items' in oldType ? 'R.f[]' : 'R.f';
    expect(findings(one(oldType, withDefault), one(newType, withDefault))).toEqual([`${expected} ${path}`]);
  });

  it('the decimal scale message says how far off', () => {
    const [f] = semanticFindings(
      parseAvroJson(one({ type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 })),
      parseAvroJson(one({ type: 'bytes', logicalType: 'decimal', precision: 9, scale: 3 })),
    );
    expect(f?.message).toBe(
      '`f` is a decimal with scale 2 in the old schema but 3 in the new: the same unscaled integer is read 10× off (1.23 becomes 0.123)',
    );
  });

  it('timeoutMs → timeoutSeconds through aliases is an error; a doc that changes unit is a warning', () => {
    expect(
      findings(
        rec([{ name: 'timeoutMs', type: 'long' }]),
        rec([{ name: 'timeoutSeconds', type: 'long', aliases: ['timeoutMs'] }]),
      ),
    ).toEqual(['error unit-renamed R.timeoutSeconds']);
    expect(
      findings(
        rec([{ name: 'timeout', type: 'long', doc: 'How long to wait, in milliseconds.' }]),
        rec([{ name: 'timeout', type: 'long', doc: 'How long to wait, in seconds.' }]),
      ),
    ).toEqual(['warning unit-doc-changed R.timeout']);
  });

  it('an enum whose doc says readers rely on its order makes a reorder an error; appending is fine', () => {
    const e = (symbols: string[]) => ({
      type: 'enum',
      name: 'Stage',
      doc: 'Ordered: readers compare ordinals.',
      symbols,
      default: 'A',
    });
    expect(findings(one(e(['A', 'B', 'C'])), one(e(['A', 'C', 'B'])))).toEqual(['error enum-reordered R.f']);
    expect(findings(one(e(['A', 'B'])), one(e(['A', 'B', 'C'])))).toEqual([]);
  });

  it('unit suffixes are read from camelCase and snake_case names only', () => {
    expect(unitOfName('timeoutMs')).toEqual({ base: 'timeout', unit: 'milliseconds' });
    expect(unitOfName('delay_seconds')).toEqual({ base: 'delay', unit: 'seconds' });
    expect(unitOfName('amountMinor')).toEqual({ base: 'amount', unit: 'minor units' });
    expect(unitOfName('items')).toBeUndefined();
    expect(unitOfName('Ms')).toBeUndefined();
    expect([...unitsOfDoc('When it happened, in UTC milliseconds since the epoch.')]).toEqual([
      'milliseconds',
    ]);
  });
});
