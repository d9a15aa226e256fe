import { AvroSchemaError, parseAvroSchema } from './avro-schema';

function errorOf(text: string): AvroSchemaError {
  try {
    parseAvroSchema(text);
  } catch (err) {
    if (err instanceof AvroSchemaError) return err;
    throw err;
  }
  throw new Error(`expected ${text} to be rejected`);
}

describe('parseAvroSchema', () => {
  it('resolves names, namespaces and aliases as the specification says', () => {
    const schema = parseAvroSchema(
      JSON.stringify({
        type: 'record',
        name: 'Order',
        namespace: 'shop',
        aliases: ['OldOrder', 'legacy.Order'],
        fields: [
          { name: 'line', type: { type: 'record', name: 'Line', fields: [{ name: 'n', type: 'int' }] } },
          { name: 'other', type: 'Line' },
          { name: 'self', type: ['null', 'shop.Order'], default: null },
        ],
      }),
    );
    if (schema.type !== 'record') throw new Error('expected a record');
    expect(schema.fullName).toBe('shop.Order');
    expect(schema.name).toBe('Order');
    expect(schema.aliases).toEqual(['shop.OldOrder', 'legacy.Order']);
    const [line, other, self] = schema.fields;
    expect(line?.type).toBe(other?.type);
    expect(line?.type).toMatchObject({ fullName: 'shop.Line' });
    expect(self?.type).toMatchObject({ type: 'union' });
    if (self?.type.type === 'union') expect(self.type.branches[1]).toBe(schema);
  });

  it.each([
    ['{"type": "record", "name": "R", "fields": [', 'INVALID_JSON', '', /not valid JSON/],
    ['{"type": "record", "name": "R"}', 'INVALID_SCHEMA', '$.fields', /needs a "fields" array/],
    [
      '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "Missing"}]}',
      'INVALID_SCHEMA',
      '$.a',
      /unknown type "Missing"/,
    ],
    [
      '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int", "default": "x"}]}',
      'INVALID_SCHEMA',
      '$.a.default',
      /expected a 32-bit integer/,
    ],
    [
      '{"type": "record", "name": "R", "fields": [{"name": "a", "type": ["null", "int"], "default": 1}]}',
      'INVALID_SCHEMA',
      '$.a.default',
      /first branch/,
    ],
    [
      '{"type": "enum", "name": "E", "symbols": ["A", "A"]}',
      'INVALID_SCHEMA',
      '$.symbols[1]',
      /appears twice/,
    ],
    [
      '{"type": "enum", "name": "E", "symbols": ["A"], "default": "B"}',
      'INVALID_SCHEMA',
      '$.default',
      /not one of the symbols/,
    ],
    ['{"type": "fixed", "name": "F", "size": -1}', 'INVALID_SCHEMA', '$.size', /non-negative integer/],
    ['["int", "int"]', 'INVALID_SCHEMA', '$[1]', /already has a branch/],
    ['["int", ["null"]]', 'INVALID_SCHEMA', '$[1]', /may not contain another union/],
    ['{"type": "record", "name": "1R", "fields": []}', 'INVALID_SCHEMA', '$.name', /not a valid Avro name/],
    [
      '{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}, {"name": "a", "type": "int"}]}',
      'INVALID_SCHEMA',
      '$.fields[1].name',
      /defined twice/,
    ],
    ['"integer"', 'INVALID_SCHEMA', '$', /unknown type "integer"/],
  ])('rejects %s with %s at %s', (text, code, path, reason) => {
    const err = errorOf(text);
    expect(err.code).toBe(code);
    expect(err.path).toBe(path);
    expect(err.reason).toMatch(reason);
  });
});
