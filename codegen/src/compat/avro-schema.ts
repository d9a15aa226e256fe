// A small, strict Avro schema parser that keeps what schema resolution needs: full names, aliases
// qualified the way the specification says, field defaults, enum defaults and a graph in which
// recursive references point back at the same node (so the checker can guard recursion).

/** Avro primitive type names. */
export type PrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

export const PRIMITIVES: readonly PrimitiveName[] = [
  'null',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'bytes',
  'string',
];

/** A logical type annotation (`logicalType` and, for decimals, `precision`/`scale`), kept as written. */
export interface LogicalAnnotation {
  readonly logicalType?: string;
  readonly precision?: number;
  readonly scale?: number;
}

export interface PrimitiveSchema extends LogicalAnnotation {
  readonly type: PrimitiveName;
}

export interface RecordField {
  readonly name: string;
  /** Assigned after parsing so that a recursive field can point at its own record. */
  type: AvroSchema;
  readonly hasDefault: boolean;
  readonly default?: unknown;
  readonly aliases: readonly string[];
  readonly doc?: string;
}

interface NamedBase {
  /** Full name, e.g. `orderflow.events.OrderCreated`. */
  readonly fullName: string;
  /** The unqualified name (last segment of the full name): what resolution compares. */
  readonly name: string;
  /** Aliases as full names, qualified against this type's namespace when written unqualified. */
  readonly aliases: readonly string[];
}

export interface RecordSchema extends NamedBase {
  readonly type: 'record';
  readonly fields: RecordField[];
}

export interface EnumSchema extends NamedBase {
  readonly type: 'enum';
  readonly symbols: readonly string[];
  readonly default?: string;
  readonly doc?: string;
}

export interface FixedSchema extends NamedBase, LogicalAnnotation {
  readonly type: 'fixed';
  readonly size: number;
}

export interface ArraySchema {
  readonly type: 'array';
  readonly items: AvroSchema;
}

export interface MapSchema {
  readonly type: 'map';
  readonly values: AvroSchema;
}

export interface UnionSchema {
  readonly type: 'union';
  readonly branches: readonly AvroSchema[];
}

export type NamedSchema = RecordSchema | EnumSchema | FixedSchema;
export type AvroSchema = PrimitiveSchema | NamedSchema | ArraySchema | MapSchema | UnionSchema;

export type AvroSchemaErrorCode = 'INVALID_JSON' | 'INVALID_SCHEMA';

/** A schema text that is not valid JSON or not valid Avro; `path` locates the problem inside it. */
export class AvroSchemaError extends Error {
  override readonly name = 'AvroSchemaError';
  constructor(
    readonly code: AvroSchemaErrorCode,
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
  }
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function isPrimitiveName(v: unknown): v is PrimitiveName {
  return typeof v === 'string' && (PRIMITIVES as readonly string[]).includes(v);
}

function describe(v: unknown): string {
  return JSON.stringify(v)?.slice(0, 80) ?? String(v);
}

class Parser {
  private readonly named = new Map<string, NamedSchema>();
  private readonly pendingDefaults: Array<() => void> = [];

  parseRoot(json: unknown): AvroSchema {
    const schema = this.parse(json, '', '$');
    // Defaults are validated once every named type is known, because a default may be for a type
    // defined later in the document (or for the record being defined, recursively).
    for (const check of this.pendingDefaults) check();
    return schema;
  }

  private fail(path: string, reason: string): never {
    throw new AvroSchemaError('INVALID_SCHEMA', path, reason);
  }

  private parse(json: unknown, namespace: string, path: string): AvroSchema {
    if (typeof json === 'string') return this.reference(json, namespace, path);
    if (Array.isArray(json)) return this.union(json, namespace, path);
    if (!isObject(json))
      return this.fail(path, `expected a type name, an object or a union array, found ${describe(json)}`);
    const type = json.type;
    if (isPrimitiveName(type)) return { type, ...logicalAnnotation(json) };
    switch (type) {
      case 'record':
      case 'error':
        return this.record(json, namespace, path);
      case 'enum':
        return this.enumType(json, namespace, path);
      case 'fixed':
        return this.fixed(json, namespace, path);
      case 'array':
        if (!('items' in json)) return this.fail(path, 'array needs "items"');
        return { type: 'array', items: this.parse(json.items, namespace, `${path}.items`) };
      case 'map':
        if (!('values' in json)) return this.fail(path, 'map needs "values"');
        return { type: 'map', values: this.parse(json.values, namespace, `${path}.values`) };
      case undefined:
        return this.fail(path, 'missing "type"');
      default:
        // {"type": "SomeName"} and {"type": ["null", ...]} are legal wrappers around a reference or union.
        if (typeof type === 'string' || Array.isArray(type) || isObject(type))
          return this.parse(type, namespace, `${path}.type`);
        return this.fail(path, `"type" must be a string, object or array, found ${describe(type)}`);
    }
  }

  private reference(name: string, namespace: string, path: string): AvroSchema {
    if (isPrimitiveName(name)) return { type: name };
    const qualified = name.includes('.') || !namespace ? name : `${namespace}.${name}`;
    // Like Avro's Java implementation, an unqualified reference falls back to the null namespace.
    const found = this.named.get(qualified) ?? this.named.get(name);
    if (!found)
      return this.fail(
        path,
        `unknown type "${name}"${qualified !== name ? ` (looked for "${qualified}")` : ''}`,
      );
    return found;
  }

  private union(branches: unknown[], namespace: string, path: string): UnionSchema {
    const parsed: AvroSchema[] = [];
    const seen = new Set<string>();
    branches.forEach((b, i) => {
      const branch = this.parse(b, namespace, `${path}[${i}]`);
      if (branch.type === 'union') this.fail(`${path}[${i}]`, 'a union may not contain another union');
      const key = 'fullName' in branch ? branch.fullName : branch.type;
      if (seen.has(key)) this.fail(`${path}[${i}]`, `the union already has a branch of type "${key}"`);
      seen.add(key);
      parsed.push(branch);
    });
    return { type: 'union', branches: parsed };
  }

  private names(
    json: Record<string, unknown>,
    namespace: string,
    path: string,
  ): { fullName: string; name: string; space: string; aliases: string[] } {
    const rawName = json.name;
    if (typeof rawName !== 'string' || rawName === '')
      return this.fail(path, `a ${String(json.type)} needs a non-empty string "name"`);
    const rawSpace = json.namespace;
    if (rawSpace !== undefined && typeof rawSpace !== 'string')
      return this.fail(`${path}.namespace`, '"namespace" must be a string');
    let fullName: string;
    if (rawName.includes('.')) fullName = rawName;
    else {
      const space = rawSpace ?? namespace;
      fullName = space ? `${space}.${rawName}` : rawName;
    }
    for (const part of fullName.split('.')) {
      if (!NAME_RE.test(part))
        return this.fail(
          `${path}.name`,
          `"${fullName}" is not a valid Avro name (each part must match [A-Za-z_][A-Za-z0-9_]*)`,
        );
    }
    const dot = fullName.lastIndexOf('.');
    const space = dot < 0 ? '' : fullName.slice(0, dot);
    const name = fullName.slice(dot + 1);
    if (isPrimitiveName(fullName))
      return this.fail(
        `${path}.name`,
        `"${fullName}" is a primitive type name and cannot name a ${String(json.type)}`,
      );
    if (this.named.has(fullName))
      return this.fail(`${path}.name`, `the name "${fullName}" is already defined`);
    const aliases = this.aliasList(json.aliases, `${path}.aliases`).map((a) =>
      a.includes('.') || !space ? a : `${space}.${a}`,
    );
    return { fullName, name, space, aliases };
  }

  private aliasList(raw: unknown, path: string): string[] {
    if (raw === undefined) return [];
    if (!Array.isArray(raw) || !raw.every((a) => typeof a === 'string' && a !== ''))
      return this.fail(path, '"aliases" must be an array of non-empty strings');
    return raw as string[];
  }

  private record(json: Record<string, unknown>, namespace: string, path: string): RecordSchema {
    const { fullName, name, space, aliases } = this.names(json, namespace, path);
    const fields: RecordField[] = [];
    const record: RecordSchema = { type: 'record', fullName, name, aliases, fields };
    this.named.set(fullName, record);
    const rawFields = json.fields;
    if (!Array.isArray(rawFields))
      return this.fail(`${path}.fields`, `record "${fullName}" needs a "fields" array`);
    const fieldNames = new Set<string>();
    rawFields.forEach((f, i) => {
      const fieldPath = `${path}.fields[${i}]`;
      if (!isObject(f)) this.fail(fieldPath, 'a field must be an object');
      const fname = f.name;
      if (typeof fname !== 'string' || !NAME_RE.test(fname))
        this.fail(`${fieldPath}.name`, `field name ${describe(fname)} is not a valid Avro name`);
      if (fieldNames.has(fname))
        this.fail(`${fieldPath}.name`, `field "${fname}" is defined twice in "${fullName}"`);
      fieldNames.add(fname);
      if (!('type' in f)) this.fail(fieldPath, `field "${fname}" has no "type"`);
      const type = this.parse(f.type, space, `${path}.${fname}`);
      const hasDefault = 'default' in f;
      const field: RecordField = {
        name: fname,
        type,
        hasDefault,
        ...(hasDefault && { default: f.default }),
        aliases: this.aliasList(f.aliases, `${fieldPath}.aliases`),
        ...(typeof f.doc === 'string' && { doc: f.doc }),
      };
      if (f.order !== undefined && !['ascending', 'descending', 'ignore'].includes(f.order as string)) {
        this.fail(`${fieldPath}.order`, `"order" must be ascending, descending or ignore`);
      }
      if (hasDefault) {
        this.pendingDefaults.push(() => {
          const problem = defaultProblem(type, f.default);
          if (problem)
            this.fail(
              `${path}.${fname}.default`,
              `default ${describe(f.default)} is not valid for the field's type: ${problem}`,
            );
        });
      }
      fields.push(field);
    });
    return record;
  }

  private enumType(json: Record<string, unknown>, namespace: string, path: string): EnumSchema {
    const { fullName, name, aliases } = this.names(json, namespace, path);
    const symbols = json.symbols;
    if (!Array.isArray(symbols))
      return this.fail(`${path}.symbols`, `enum "${fullName}" needs a "symbols" array`);
    const seen = new Set<string>();
    symbols.forEach((s, i) => {
      if (typeof s !== 'string' || !NAME_RE.test(s))
        this.fail(`${path}.symbols[${i}]`, `enum symbol ${describe(s)} is not a valid Avro name`);
      if (seen.has(s)) this.fail(`${path}.symbols[${i}]`, `enum symbol "${s}" appears twice`);
      seen.add(s);
    });
    const def = json.default;
    if (def !== undefined && (typeof def !== 'string' || !seen.has(def)))
      return this.fail(
        `${path}.default`,
        `enum default ${describe(def)} is not one of the symbols of "${fullName}"`,
      );
    const schema: EnumSchema = {
      type: 'enum',
      fullName,
      name,
      aliases,
      symbols: symbols as string[],
      ...(typeof def === 'string' && { default: def }),
      ...(typeof json.doc === 'string' && { doc: json.doc }),
    };
    this.named.set(fullName, schema);
    return schema;
  }

  private fixed(json: Record<string, unknown>, namespace: string, path: string): FixedSchema {
    const { fullName, name, aliases } = this.names(json, namespace, path);
    const size = json.size;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0)
      return this.fail(
        `${path}.size`,
        `fixed "${fullName}" needs a non-negative integer "size", found ${describe(size)}`,
      );
    const schema: FixedSchema = { type: 'fixed', fullName, name, aliases, size, ...logicalAnnotation(json) };
    this.named.set(fullName, schema);
    return schema;
  }
}

/** The logical type written on a primitive or fixed type; resolution ignores it, the semantic rules read it. */
function logicalAnnotation(json: Record<string, unknown>): LogicalAnnotation {
  return {
    ...(typeof json.logicalType === 'string' && { logicalType: json.logicalType }),
    ...(typeof json.precision === 'number' && { precision: json.precision }),
    ...(typeof json.scale === 'number' && { scale: json.scale }),
  };
}

/** Why `value` is not a valid default for `schema` per the specification, or undefined when it is. */
export function defaultProblem(schema: AvroSchema, value: unknown): string | undefined {
  switch (schema.type) {
    case 'null':
      return value === null ? undefined : 'expected null';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'expected true or false';
    case 'int':
      return Number.isInteger(value) && (value as number) >= -2147483648 && (value as number) <= 2147483647
        ? undefined
        : 'expected a 32-bit integer';
    case 'long':
      return Number.isInteger(value) ? undefined : 'expected an integer';
    case 'float':
    case 'double':
      return typeof value === 'number' ? undefined : 'expected a number';
    case 'bytes':
    case 'string':
      return typeof value === 'string' ? undefined : 'expected a string';
    case 'fixed':
      return typeof value === 'string' && value.length === schema.size
        ? undefined
        : `expected a string of ${schema.size} characters`;
    case 'enum':
      return typeof value === 'string' && schema.symbols.includes(value)
        ? undefined
        : `expected one of ${schema.symbols.join(', ')}`;
    case 'array':
      if (!Array.isArray(value)) return 'expected an array';
      for (const item of value) {
        const p = defaultProblem(schema.items, item);
        if (p) return `array item: ${p}`;
      }
      return undefined;
    case 'map':
      if (!isObject(value)) return 'expected an object';
      for (const [k, v] of Object.entries(value)) {
        const p = defaultProblem(schema.values, v);
        if (p) return `map value "${k}": ${p}`;
      }
      return undefined;
    case 'union': {
      // The specification: a union field's default corresponds to the union's first branch.
      const first = schema.branches[0];
      if (!first) return 'an empty union has no values';
      const p = defaultProblem(first, value);
      return p
        ? `a union's default must match its first branch (${'fullName' in first ? first.fullName : first.type}): ${p}`
        : undefined;
    }
    case 'record': {
      if (!isObject(value)) return 'expected an object';
      for (const f of schema.fields) {
        // Own keys only: a field named like an Object.prototype member ("toString") may be left out.
        if (Object.hasOwn(value, f.name)) {
          const p = defaultProblem(f.type, value[f.name]);
          if (p) return `field "${f.name}": ${p}`;
        } else if (!f.hasDefault) return `field "${f.name}" is missing`;
      }
      return undefined;
    }
  }
}

/** Parse an Avro schema from its JSON text; throws AvroSchemaError naming the path and the reason. */
export function parseAvroSchema(text: string): AvroSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AvroSchemaError('INVALID_JSON', '', `not valid JSON: ${(err as Error).message}`);
  }
  return parseAvroJson(json);
}

/** Parse an already-decoded Avro schema JSON value. */
export function parseAvroJson(json: unknown): AvroSchema {
  return new Parser().parseRoot(json);
}

/** A short human name for a schema node: the record/enum/fixed name or the type keyword. */
export function typeLabel(schema: AvroSchema): string {
  switch (schema.type) {
    case 'record':
    case 'enum':
    case 'fixed':
      return `${schema.type} ${schema.name}`;
    case 'array':
      return `array of ${typeLabel(schema.items)}`;
    case 'map':
      return `map of ${typeLabel(schema.values)}`;
    case 'union':
      return `union [${schema.branches.map(typeLabel).join(', ')}]`;
    default:
      return schema.type;
  }
}
