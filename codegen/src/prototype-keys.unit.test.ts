// Schema names are data: a field or logicalType named like an Object.prototype member must behave like
// any other name, in the generator's model (avro-model) and in the compatibility parser (avro-schema).
import { defaultProblem, parseAvroJson } from './compat/avro-schema';
import { parseAvroFile } from './generator/avro-model';

// Every Object.prototype member that is also a valid Avro name (letters, digits, underscores).
const PROTOTYPE_NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])].filter(
  (n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n),
);

// A record whose field `name` has a default, used as a field whose default `{}` leaves that field out.
function recordWithDefaultedField(name: string) {
  return {
    type: 'record',
    name: 'Outer',
    namespace: 'dev.orderflow.test',
    doc: 'outer',
    fields: [
      {
        name: 'inner',
        doc: 'inner',
        type: {
          type: 'record',
          name: 'Inner',
          doc: 'inner',
          fields: [{ name, type: 'string', default: 'x', doc: 'a defaulted field' }],
        },
        default: {},
      },
    ],
  };
}

test('names of Object.prototype members are valid Avro names to test', () => {
  expect(PROTOTYPE_NAMES).toEqual(expect.arrayContaining(['constructor', 'toString', '__proto__']));
});

describe.each(PROTOTYPE_NAMES)('a schema name %p', (name) => {
  it('compat parser: a record default may leave out a field of that name that has a default', () => {
    expect(() => parseAvroJson(recordWithDefaultedField(name))).not.toThrow();
  });

  it('compat parser: a record default must include a field of that name without a default', () => {
    const inner = parseAvroJson({
      type: 'record',
      name: 'Inner',
      fields: [{ name, type: 'string' }],
    });
    expect(defaultProblem(inner, {})).toBe(`field "${name}" is missing`);
  });

  it('generator: the default check lets a record default leave out a defaulted field of that name', () => {
    // avsc, which the generator also runs, reads such a field off Object.prototype and may object (its
    // own limitation, named as "avsc rejects"); the generator's own default check must not.
    const { problems } = parseAvroFile('t.avsc', JSON.stringify(recordWithDefaultedField(name)));
    expect(problems.filter((p) => !p.reason.startsWith('avsc rejects the schema'))).toEqual([]);
  });

  it('generator: an unknown logicalType of that name is ignored (the plain primitive)', () => {
    const schema = {
      type: 'record',
      name: 'Event',
      namespace: 'dev.orderflow.test',
      doc: 'an event',
      fields: [{ name: 'note', doc: 'a note', type: { type: 'string', logicalType: name } }],
    };
    const { model, problems } = parseAvroFile('t.avsc', JSON.stringify(schema));
    expect(problems).toEqual([]);
    expect(JSON.stringify(model)).toContain('"kind":"primitive","type":"string"');
  });
});
