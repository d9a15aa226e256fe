// A broad, deterministic set of reader/writer schema pairs for cross-checking the compatibility engine
// against Apache Avro's reference checker. Each group holds variants of one kind of change; every
// ordered pair within a group (reader, writer) is a case, so each change is checked in both directions.

export interface SchemaPair {
  readonly id: number;
  readonly group: string;
  readonly reader: unknown;
  readonly writer: unknown;
}

type Json = unknown;

const PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'];

const rec = (name: string, fields: Json[], extra: Record<string, Json> = {}): Json => ({
  type: 'record',
  name,
  ...extra,
  fields,
});
const fld = (name: string, type: Json, extra: Record<string, Json> = {}): Json => ({ name, type, ...extra });
const enm = (name: string, symbols: string[], extra: Record<string, Json> = {}): Json => ({
  type: 'enum',
  name,
  ...extra,
  symbols,
});
const fixed = (name: string, size: number, extra: Record<string, Json> = {}): Json => ({
  type: 'fixed',
  name,
  ...extra,
  size,
});
const arr = (items: Json): Json => ({ type: 'array', items });
const map = (values: Json): Json => ({ type: 'map', values });

/** A default value that is valid for `type` (first branch for unions), for wrapping in fields. */
function defaultFor(type: Json): Json {
  if (Array.isArray(type)) return defaultFor(type[0]);
  const t = typeof type === 'string' ? type : (type as { type: string }).type;
  switch (t) {
    case 'null':
      return null;
    case 'boolean':
      return false;
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return 0;
    case 'bytes':
    case 'string':
      return '';
    case 'array':
      return [];
    case 'map':
      return {};
    case 'enum':
      return (type as { symbols: string[] }).symbols[0];
    case 'fixed':
      return 'x'.repeat((type as { size: number }).size);
    default:
      return {};
  }
}

/** Record field sets: added/removed fields with and without defaults, aliases, promotions. */
const fieldVariants = (name: string): Json[] => [
  rec(name, [fld('id', 'string')]),
  rec(name, [fld('id', 'string'), fld('qty', 'int')]),
  rec(name, [fld('id', 'string'), fld('qty', 'int', { default: 1 })]),
  rec(name, [fld('id', 'string'), fld('qty', ['null', 'int'], { default: null })]),
  rec(name, [fld('id', 'string'), fld('quantity', 'int', { aliases: ['qty'] })]),
  rec(name, [fld('id', 'string'), fld('quantity', 'int', { default: 0, aliases: ['qty'] })]),
  rec(name, [fld('qty', 'int'), fld('id', 'string')]),
  rec(name, [fld('id', 'string'), fld('qty', 'long')]),
  rec(name, [fld('id', 'string'), fld('qty', 'string', { default: '' })]),
  rec(name, []),
  rec(name, [fld('id', 'string', { default: 'x' })]),
  rec(name, [fld('id', 'bytes'), fld('qty', 'int')]),
  rec(name, [fld('id', 'string'), fld('qty', 'int'), fld('note', 'string', { default: '' })]),
  rec(name, [fld('id', 'string'), fld('note', ['null', 'string'], { default: null })]),
  rec(name, [fld('id', 'string'), fld('qty', ['int', 'null'], { default: 0 })]),
  rec(name, [fld('ident', 'string', { aliases: ['id'] }), fld('qty', 'int')]),
  rec(name, [fld('id', 'string'), fld('status', enm(`${name}Status`, ['A', 'B'], { default: 'A' }))]),
  rec(name, [
    fld('id', 'string'),
    fld('status', enm(`${name}Status`, ['A', 'B'], { default: 'A' }), { default: 'B' }),
  ]),
];

const enumVariants: Json[] = [
  enm('E', ['A', 'B']),
  enm('E', ['A', 'B', 'C']),
  enm('E', ['A']),
  enm('E', ['B', 'A']),
  enm('E', ['A', 'B'], { default: 'A' }),
  enm('E', ['A', 'B', 'C'], { default: 'A' }),
  enm('E', ['A'], { default: 'A' }),
  enm('E', ['A', 'B', 'C'], { default: 'C' }),
  enm('E2', ['A', 'B']),
  enm('E2', ['A', 'B'], { aliases: ['E'] }),
  enm('E', ['C', 'D'], { default: 'C' }),
  enm('E', ['A', 'B', 'D']),
  enm('E', ['A', 'B', 'C', 'D'], { default: 'D' }),
  enm('E', ['A', 'B'], { aliases: ['E2'] }),
  enm('E', ['A', 'B'], { namespace: 'ns' }),
];

const fixedVariants: Json[] = [
  fixed('F', 4),
  fixed('F', 8),
  fixed('G', 4),
  fixed('G', 4, { aliases: ['F'] }),
  fixed('F', 16),
  fixed('F', 4, { namespace: 'ns' }),
  fixed('G', 8, { aliases: ['F'] }),
  'bytes',
  'string',
];

/** Record names, namespaces and aliases, written in every way the specification allows. */
const nameVariants: Json[] = [
  rec('X', [fld('x', 'int')]),
  rec('Y', [fld('x', 'int')]),
  rec('Y', [fld('x', 'int')], { aliases: ['X'] }),
  rec('X', [fld('x', 'int')], { namespace: 'a' }),
  rec('X', [fld('x', 'int')], { namespace: 'b' }),
  rec('a.X', [fld('x', 'int')]),
  rec('Y', [fld('x', 'int')], { namespace: 'a', aliases: ['X'] }),
  rec('Y', [fld('x', 'int')], { namespace: 'a', aliases: ['a.X'] }),
  rec('Y', [fld('x', 'int')], { aliases: ['a.X'] }),
  rec('b.Y', [fld('x', 'int')], { aliases: ['a.X'] }),
  rec('Y', [fld('x', 'int')], { namespace: 'b', aliases: ['X'] }),
  rec('Outer', [fld('inner', rec('X', [fld('x', 'int')]))], { namespace: 'a' }),
  rec('Outer', [fld('inner', rec('X', [fld('x', 'int')]))], { namespace: 'b' }),
  rec('Outer', [fld('inner', rec('Y', [fld('x', 'int')], { aliases: ['X'] }))], { namespace: 'a' }),
  rec('Outer', [fld('inner', rec('Y', [fld('x', 'int')], { aliases: ['a.X'] }))], { namespace: 'b' }),
];

const unionShapes: Json[] = [
  'null',
  'int',
  'long',
  'string',
  'bytes',
  'double',
  ['null', 'int'],
  ['int', 'null'],
  ['null', 'long'],
  ['null', 'string'],
  ['string', 'null'],
  ['int', 'string'],
  ['null', 'int', 'string'],
  ['long', 'string'],
  ['float', 'double'],
  ['null', 'bytes'],
  ['boolean', 'null'],
  ['string'],
];

const recursiveVariants: Json[] = [
  rec('Node', [fld('value', 'int'), fld('next', ['null', 'Node'], { default: null })]),
  rec('Node', [fld('value', 'long'), fld('next', ['null', 'Node'], { default: null })]),
  rec('Node', [
    fld('value', 'int'),
    fld('next', ['null', 'Node'], { default: null }),
    fld('label', 'string'),
  ]),
  rec('Node', [
    fld('value', 'int'),
    fld('next', ['null', 'Node'], { default: null }),
    fld('label', 'string', { default: '' }),
  ]),
  rec('Node', [fld('value', 'string'), fld('next', ['null', 'Node'], { default: null })]),
  rec('Node', [fld('value', 'int'), fld('children', arr('Node'))]),
  rec('Node', [fld('value', 'int'), fld('children', arr('Node'), { default: [] })]),
  rec('Node', [fld('value', 'int'), fld('next', ['Node', 'null'])]),
];

const A = (extra: Json[] = []): Json => rec('A', [fld('a', 'int'), ...extra]);
const B = rec('B', [fld('b', 'string')]);
const namedUnionVariants: Json[] = [
  A(),
  ['null', A()],
  [A(), B],
  [B],
  ['null', A([fld('c', 'int')])],
  ['null', A([fld('c', 'int', { default: 0 })])],
  [rec('C', [fld('a', 'int')], { aliases: ['A'] })],
  [A(), 'null'],
  ['null'],
  [A(), enm('E', ['X1', 'X2'])],
  [A(), 'string'],
  ['null', rec('A', [fld('a', 'long')])],
];

const kindVariants: Json[] = [
  'int',
  'string',
  rec('R', [fld('f', 'int')]),
  enm('E', ['A']),
  fixed('F', 2),
  arr('int'),
  map('int'),
  ['null', 'int'],
  'null',
  arr('long'),
  map('string'),
];

function allPairs(
  group: string,
  variants: Json[],
  out: Omit<SchemaPair, 'id'>[],
  wrap: (v: Json) => Json = (v) => v,
): void {
  for (const reader of variants)
    for (const writer of variants) out.push({ group, reader: wrap(reader), writer: wrap(writer) });
}

/** Every generated pair, numbered from 0 in a stable order. */
export function generatePairs(): SchemaPair[] {
  const out: Omit<SchemaPair, 'id'>[] = [];
  allPairs('primitive', PRIMITIVES, out);
  allPairs('primitive field', PRIMITIVES, out, (t) => rec('R', [fld('v', t)]));
  allPairs('array of primitive', PRIMITIVES, out, arr);
  allPairs('map of primitive', PRIMITIVES, out, map);
  allPairs('union', unionShapes, out);
  allPairs('union field', unionShapes, out, (t) => rec('R', [fld('v', t)]));
  allPairs('union field with default', unionShapes, out, (t) =>
    rec('R', [fld('v', t, { default: defaultFor(t) })]),
  );
  allPairs('record fields', fieldVariants('R'), out);
  allPairs('enum', enumVariants, out);
  allPairs('enum field', enumVariants, out, (t) => rec('R', [fld('e', t)]));
  allPairs('fixed', fixedVariants, out);
  allPairs('fixed field', fixedVariants, out, (t) => rec('R', [fld('f', t)]));
  allPairs('names and aliases', nameVariants, out);
  allPairs('names in a field', nameVariants, out, (t) => rec('Holder', [fld('v', t)]));
  const nested = fieldVariants('Line').slice(0, 9);
  allPairs('nested record', nested, out, (t) => rec('Order', [fld('orderId', 'string'), fld('line', t)]));
  allPairs('array of records', nested, out, (t) => rec('Order', [fld('lines', arr(t))]));
  allPairs('map of records', nested, out, (t) => rec('Order', [fld('lines', map(t))]));
  allPairs('nullable record', nested, out, (t) =>
    rec('Order', [fld('line', ['null', t], { default: null })]),
  );
  allPairs('record in union', fieldVariants('Line').slice(0, 6), out, (t) =>
    rec('Order', [fld('line', [t, 'string'])]),
  );
  allPairs('recursive', recursiveVariants, out);
  allPairs('named unions', namedUnionVariants, out, (t) => rec('Holder', [fld('v', t)]));
  allPairs('kinds', kindVariants, out);
  allPairs('array of kinds', kindVariants, out, arr);
  allPairs('map of enums', enumVariants.slice(0, 8), out, map);
  allPairs('nullable enums', enumVariants.slice(0, 8), out, (t) =>
    rec('R', [fld('e', ['null', t], { default: null })]),
  );
  return out.map((p, id) => ({ id, ...p }));
}

/**
 * The same schema written so that Python's `avro.compatibility` compares what the specification
 * compares: every named type gets its unqualified `name` plus an explicit `namespace`, and every alias
 * is written fully qualified. (That checker compares the `name` attribute as written and looks the
 * writer's full name up in the aliases as written; see tests/compat/README.md.)
 */
export function specNormalForm(json: Json, namespace = ''): Json {
  if (Array.isArray(json)) return json.map((b) => specNormalForm(b, namespace));
  if (typeof json !== 'object' || json === null) return json;
  const obj = json as Record<string, Json>;
  const type = obj.type;
  if (type === 'record' || type === 'enum' || type === 'fixed' || type === 'error') {
    const rawName = obj.name as string;
    const full = rawName.includes('.')
      ? rawName
      : typeof obj.namespace === 'string'
        ? obj.namespace
          ? `${obj.namespace}.${rawName}`
          : rawName
        : namespace
          ? `${namespace}.${rawName}`
          : rawName;
    const dot = full.lastIndexOf('.');
    const space = dot < 0 ? '' : full.slice(0, dot);
    const out: Record<string, Json> = { ...obj, name: full.slice(dot + 1) };
    if (space) out.namespace = space;
    if (Array.isArray(obj.aliases))
      out.aliases = (obj.aliases as string[]).map((a) => (a.includes('.') || !space ? a : `${space}.${a}`));
    if (Array.isArray(obj.fields)) {
      out.fields = (obj.fields as Record<string, Json>[]).map((f) => ({
        ...f,
        type: specNormalForm(f.type, space),
      }));
    }
    return out;
  }
  const out: Record<string, Json> = { ...obj };
  if ('items' in obj) out.items = specNormalForm(obj.items, namespace);
  if ('values' in obj) out.values = specNormalForm(obj.values, namespace);
  if (typeof type === 'object') out.type = specNormalForm(type, namespace);
  return out;
}
