// Parses an .avsc file into a small model the emitters walk, with every error located by the path
// inside the file. avsc (with Orderflow's logical types) then parses it too, as a backstop, so
// codegen never accepts a schema the runtime would reject.
import { parseAvroSchema } from '@orderflow/codec';
import type { CodegenProblem } from './errors';

import { PRIMITIVES as PRIMITIVE_NAMES, type PrimitiveName } from '../compat/avro-schema';

export type Primitive = PrimitiveName;
const PRIMITIVES: readonly string[] = PRIMITIVE_NAMES;

/** Logical types the runtime maps to richer JS values; others fall back to their underlying type. */
const LOGICAL: Record<string, Primitive> = { 'timestamp-millis': 'long', uuid: 'string', date: 'int' };
export type LogicalName = 'timestamp-millis' | 'uuid' | 'date';

export type AvroNode =
  | { kind: 'primitive'; type: Primitive }
  | { kind: 'logical'; logicalType: LogicalName; underlying: Primitive }
  | { kind: 'named'; fullName: string }
  | { kind: 'array'; items: AvroNode }
  | { kind: 'map'; values: AvroNode }
  | { kind: 'union'; branches: AvroNode[]; wrapped: boolean };

export interface FieldDef {
  name: string;
  doc: string | undefined;
  type: AvroNode;
  hasDefault: boolean;
  defaultValue: unknown;
  path: string;
}

interface NamedBase {
  fullName: string;
  name: string;
  namespace: string;
  doc: string | undefined;
  /** Where it is defined: `fields[4].type.items`. */
  path: string;
  /** The definition as written (for comparing definitions across files). */
  raw: unknown;
}
export interface RecordDef extends NamedBase {
  kind: 'record';
  fields: FieldDef[];
}
export interface EnumDef extends NamedBase {
  kind: 'enum';
  symbols: string[];
  default: string | undefined;
}
export interface FixedDef extends NamedBase {
  kind: 'fixed';
  size: number;
}
export type NamedDef = RecordDef | EnumDef | FixedDef;

/** One parsed .avsc file. */
export interface AvroFile {
  /** Relative to the repository root. */
  file: string;
  root: RecordDef;
  /** Named types in definition order (the root first). */
  named: NamedDef[];
  /** The parsed JSON. */
  json: unknown;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses `text` (the content of `file`, shared types already inlined); returns the model or the
 * problems found, each with a path. A topic schema is a record; with `root: 'named'` (a shared type)
 * any named type is accepted and only the problems matter.
 */
export function parseAvroFile(
  file: string,
  text: string,
  options: { root?: 'record' | 'named' } = {},
): { model?: AvroFile; problems: CodegenProblem[] } {
  const problems: CodegenProblem[] = [];
  const fail = (path: string, reason: string): void => {
    problems.push({ file, path, reason });
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail('', `not valid JSON: ${(err as Error).message}`);
    return { problems };
  }
  const defs = new Map<string, NamedDef>();
  const named: NamedDef[] = [];

  const resolveName = (ref: string, namespace: string): string | undefined => {
    if (ref.includes('.')) return defs.has(ref) ? ref : undefined;
    if (namespace !== '' && defs.has(`${namespace}.${ref}`)) return `${namespace}.${ref}`;
    return defs.has(ref) ? ref : undefined;
  };

  const defineName = (
    obj: Record<string, unknown>,
    path: string,
    namespace: string,
  ): { fullName: string; name: string; namespace: string } | undefined => {
    const name = obj.name;
    if (typeof name !== 'string' || name === '') {
      fail(path, `a ${String(obj.type)} needs a "name"`);
      return undefined;
    }
    let ns = namespace;
    let simple = name;
    if (name.includes('.')) {
      ns = name.slice(0, name.lastIndexOf('.'));
      simple = name.slice(name.lastIndexOf('.') + 1);
    } else if (obj.namespace !== undefined) {
      if (typeof obj.namespace !== 'string') {
        fail(`${path}.namespace`, 'must be a string');
        return undefined;
      }
      ns = obj.namespace;
    }
    if (!NAME_RE.test(simple) || (ns !== '' && !ns.split('.').every((p) => NAME_RE.test(p)))) {
      fail(
        `${path}.name`,
        `"${name}" is not a valid Avro name (letters, digits, _; not starting with a digit)`,
      );
      return undefined;
    }
    if (PRIMITIVES.includes(simple) && ns === '') {
      fail(`${path}.name`, `"${simple}" is a primitive type name and cannot name a ${String(obj.type)}`);
      return undefined;
    }
    const fullName = ns === '' ? simple : `${ns}.${simple}`;
    if (defs.has(fullName)) {
      fail(
        `${path}.name`,
        `"${fullName}" is defined twice (first at ${defs.get(fullName)!.path || '(root)'})`,
      );
      return undefined;
    }
    return { fullName, name: simple, namespace: ns };
  };

  const docOf = (obj: Record<string, unknown>, path: string): string | undefined => {
    if (obj.doc === undefined) return undefined;
    if (typeof obj.doc !== 'string') {
      fail(`${path}.doc`, 'must be a string');
      return undefined;
    }
    return obj.doc;
  };

  const walk = (schema: unknown, path: string, namespace: string): AvroNode | undefined => {
    if (typeof schema === 'string') {
      if (PRIMITIVES.includes(schema)) return { kind: 'primitive', type: schema as Primitive };
      const full = resolveName(schema, namespace);
      if (full === undefined) {
        fail(
          path,
          `unknown type "${schema}" (not a primitive, and no named type of that name is defined before this point${namespace ? ` in namespace ${namespace}` : ''})`,
        );
        return undefined;
      }
      return { kind: 'named', fullName: full };
    }
    if (Array.isArray(schema)) return walkUnion(schema, path, namespace);
    if (typeof schema !== 'object' || schema === null) {
      fail(
        path,
        `expected a type (a name, an object with "type", or a union array), got ${JSON.stringify(schema)}`,
      );
      return undefined;
    }
    const obj = schema as Record<string, unknown>;
    const type = obj.type;
    if (typeof type === 'string' && PRIMITIVES.includes(type)) {
      const logical = obj.logicalType;
      // Own keys only: an unknown logicalType such as "toString" is ignored (Avro spec), not Object.prototype's.
      if (typeof logical === 'string' && Object.hasOwn(LOGICAL, logical)) {
        const underlying = LOGICAL[logical]!;
        if (type !== underlying) {
          fail(
            `${path}.logicalType`,
            `logicalType "${logical}" must annotate "${underlying}", not "${type}"`,
          );
          return undefined;
        }
        return { kind: 'logical', logicalType: logical as LogicalName, underlying };
      }
      return { kind: 'primitive', type: type as Primitive };
    }
    switch (type) {
      case 'record':
      case 'error':
        return walkRecord(obj, path, namespace);
      case 'enum':
        return walkEnum(obj, path, namespace);
      case 'fixed':
        return walkFixed(obj, path, namespace);
      case 'array': {
        if (obj.items === undefined) {
          fail(path, 'an array needs "items"');
          return undefined;
        }
        const items = walk(obj.items, `${path}.items`, namespace);
        return items && { kind: 'array', items };
      }
      case 'map': {
        if (obj.values === undefined) {
          fail(path, 'a map needs "values"');
          return undefined;
        }
        const values = walk(obj.values, `${path}.values`, namespace);
        return values && { kind: 'map', values };
      }
      case undefined:
        fail(path, 'a type object needs a "type"');
        return undefined;
      default:
        if (typeof type === 'string') {
          // {"type": "SomeRecord"}: a reference written as an object.
          const full = resolveName(type, namespace);
          if (full !== undefined) return { kind: 'named', fullName: full };
          fail(`${path}.type`, `unknown type "${type}"`);
          return undefined;
        }
        return walk(type, `${path}.type`, namespace);
    }
  };

  const walkUnion = (branches: unknown[], path: string, namespace: string): AvroNode | undefined => {
    if (branches.length === 0) {
      fail(path, 'a union needs at least one branch');
      return undefined;
    }
    const nodes: AvroNode[] = [];
    const seen = new Map<string, number>();
    let ok = true;
    branches.forEach((b, i) => {
      if (Array.isArray(b)) {
        fail(`${path}[${i}]`, 'a union cannot directly contain another union');
        ok = false;
        return;
      }
      const node = walk(b, `${path}[${i}]`, namespace);
      if (!node) {
        ok = false;
        return;
      }
      const key =
        node.kind === 'named'
          ? node.fullName
          : node.kind === 'primitive'
            ? node.type
            : node.kind === 'logical'
              ? node.underlying
              : node.kind;
      if (seen.has(key)) {
        fail(`${path}[${i}]`, `a union cannot contain ${key} twice (also branch ${seen.get(key)})`);
        ok = false;
        return;
      }
      seen.set(key, i);
      nodes.push(node);
    });
    if (!ok) return undefined;
    return { kind: 'union', branches: nodes, wrapped: isAmbiguous(nodes, defs) };
  };

  const walkRecord = (
    obj: Record<string, unknown>,
    path: string,
    namespace: string,
  ): AvroNode | undefined => {
    const id = defineName(obj, path, namespace);
    if (!id) return undefined;
    const def: RecordDef = { kind: 'record', ...id, doc: docOf(obj, path), path, raw: obj, fields: [] };
    // Defined before its fields so that a field can refer to the record itself (recursion).
    defs.set(id.fullName, def);
    named.push(def);
    if (!Array.isArray(obj.fields)) {
      fail(path, `record ${id.fullName} needs a "fields" array`);
      return undefined;
    }
    const names = new Set<string>();
    obj.fields.forEach((f: unknown, i) => {
      const at = `${path === '' ? '' : `${path}.`}fields[${i}]`;
      if (typeof f !== 'object' || f === null || Array.isArray(f)) {
        fail(at, 'a field must be an object with "name" and "type"');
        return;
      }
      const field = f as Record<string, unknown>;
      if (typeof field.name !== 'string' || !NAME_RE.test(field.name)) {
        fail(`${at}.name`, `${JSON.stringify(field.name)} is not a valid field name`);
        return;
      }
      if (names.has(field.name)) {
        fail(`${at}.name`, `field "${field.name}" appears twice in ${id.fullName}`);
        return;
      }
      names.add(field.name);
      if (field.type === undefined) {
        fail(at, `field "${field.name}" needs a "type"`);
        return;
      }
      const type = walk(field.type, `${at}.type`, id.namespace);
      if (!type) return;
      const hasDefault = Object.prototype.hasOwnProperty.call(field, 'default');
      if (hasDefault) {
        const why = checkDefault(type, field.default, defs);
        if (why !== undefined)
          fail(
            `${at}.default`,
            `default ${JSON.stringify(field.default)} does not match the field's type: ${why}`,
          );
      }
      def.fields.push({
        name: field.name,
        doc: docOf(field, at),
        type,
        hasDefault,
        defaultValue: field.default,
        path: at,
      });
    });
    return { kind: 'named', fullName: id.fullName };
  };

  const walkEnum = (obj: Record<string, unknown>, path: string, namespace: string): AvroNode | undefined => {
    const id = defineName(obj, path, namespace);
    if (!id) return undefined;
    const symbols = obj.symbols;
    if (!Array.isArray(symbols) || symbols.length === 0) {
      fail(path, `enum ${id.fullName} needs a non-empty "symbols" array`);
      return undefined;
    }
    const list: string[] = [];
    let ok = true;
    symbols.forEach((s: unknown, i) => {
      if (typeof s !== 'string' || !NAME_RE.test(s)) {
        fail(`${path}.symbols[${i}]`, `${JSON.stringify(s)} is not a valid enum symbol`);
        ok = false;
      } else if (list.includes(s)) {
        fail(`${path}.symbols[${i}]`, `symbol "${s}" appears twice`);
        ok = false;
      } else list.push(s);
    });
    let dflt: string | undefined;
    if (obj.default !== undefined) {
      if (typeof obj.default !== 'string' || !list.includes(obj.default)) {
        fail(
          `${path}.default`,
          `enum default ${JSON.stringify(obj.default)} is not one of its symbols (${list.join(', ')})`,
        );
        ok = false;
      } else dflt = obj.default;
    }
    if (!ok) return undefined;
    const def: EnumDef = {
      kind: 'enum',
      ...id,
      doc: docOf(obj, path),
      path,
      raw: obj,
      symbols: list,
      default: dflt,
    };
    defs.set(id.fullName, def);
    named.push(def);
    return { kind: 'named', fullName: id.fullName };
  };

  const walkFixed = (obj: Record<string, unknown>, path: string, namespace: string): AvroNode | undefined => {
    const id = defineName(obj, path, namespace);
    if (!id) return undefined;
    if (typeof obj.size !== 'number' || !Number.isInteger(obj.size) || obj.size < 0) {
      fail(
        `${path}.size`,
        `fixed ${id.fullName} needs a non-negative integer "size", got ${JSON.stringify(obj.size)}`,
      );
      return undefined;
    }
    const def: FixedDef = { kind: 'fixed', ...id, doc: docOf(obj, path), path, raw: obj, size: obj.size };
    defs.set(id.fullName, def);
    named.push(def);
    return { kind: 'named', fullName: id.fullName };
  };

  const rootNode = walk(json, '', '');
  if (problems.length > 0) return { problems };
  const root = rootNode?.kind === 'named' ? defs.get(rootNode.fullName) : undefined;
  if (options.root === 'named' && root !== undefined) {
    try {
      parseAvroSchema(json as object);
    } catch (err) {
      fail('', `avsc rejects the schema: ${(err as Error).message}`);
    }
    return { problems };
  }
  if (root?.kind !== 'record') {
    fail('', 'a topic schema must be a record at the top level');
    return { problems };
  }
  // Backstop: the runtime must accept what the generator accepted.
  try {
    parseAvroSchema(json as object);
  } catch (err) {
    fail('', `avsc rejects the schema: ${(err as Error).message}`);
    return { problems };
  }
  return { model: { file, root, named, json }, problems };
}

/** avsc's rule for unwrapped unions: two non-logical branches in the same JS "bucket" force wrapping. */
function isAmbiguous(branches: AvroNode[], defs: Map<string, NamedDef>): boolean {
  const buckets = new Set<string>();
  for (const b of branches) {
    if (b.kind === 'logical') continue;
    const bucket = bucketOf(b, defs);
    if (buckets.has(bucket)) return true;
    buckets.add(bucket);
  }
  return false;
}

/** The JS value family a (non-logical) Avro type decodes to. */
export function bucketOf(node: AvroNode, defs: Map<string, NamedDef>): string {
  switch (node.kind) {
    case 'primitive':
      return ['int', 'long', 'float', 'double'].includes(node.type)
        ? 'number'
        : node.type === 'bytes'
          ? 'buffer'
          : node.type;
    case 'logical':
      return node.logicalType === 'timestamp-millis' ? 'date' : 'string';
    case 'array':
      return 'array';
    case 'map':
      return 'object';
    case 'union':
      return 'union';
    case 'named': {
      const def = defs.get(node.fullName);
      return def?.kind === 'enum' ? 'string' : def?.kind === 'fixed' ? 'buffer' : 'object';
    }
  }
}

/** Why `value` is not a valid JSON default for `node` (Avro spec: a union's default matches its first branch). */
function checkDefault(node: AvroNode, value: unknown, defs: Map<string, NamedDef>): string | undefined {
  const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);
  switch (node.kind) {
    case 'primitive':
    case 'logical': {
      const t = node.kind === 'primitive' ? node.type : node.underlying;
      const ok =
        t === 'null'
          ? value === null
          : t === 'boolean'
            ? typeof value === 'boolean'
            : t === 'int'
              ? isInt(value) && (value as number) >= -2147483648 && (value as number) <= 2147483647
              : t === 'long'
                ? isInt(value)
                : t === 'float' || t === 'double'
                  ? typeof value === 'number'
                  : typeof value === 'string';
      return ok ? undefined : `expected a ${t}`;
    }
    case 'array':
      if (!Array.isArray(value)) return 'expected an array';
      for (const item of value) {
        const why = checkDefault(node.items, item, defs);
        if (why) return `array item: ${why}`;
      }
      return undefined;
    case 'map':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'expected an object';
      for (const item of Object.values(value)) {
        const why = checkDefault(node.values, item, defs);
        if (why) return `map value: ${why}`;
      }
      return undefined;
    case 'union':
      return checkDefault(node.branches[0]!, value, defs) === undefined
        ? undefined
        : `a union's default must match its first branch (${describeNode(node.branches[0]!)})`;
    case 'named': {
      const def = defs.get(node.fullName);
      if (!def) return undefined;
      if (def.kind === 'enum')
        return typeof value === 'string' && def.symbols.includes(value)
          ? undefined
          : `expected one of ${def.symbols.join(', ')}`;
      if (def.kind === 'fixed') return typeof value === 'string' ? undefined : 'expected a string of bytes';
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return `expected an object for record ${def.name}`;
      for (const f of def.fields) {
        // A field the default leaves out is absent even when Object.prototype has that name.
        const v = Object.hasOwn(value, f.name) ? (value as Record<string, unknown>)[f.name] : undefined;
        if (v === undefined) {
          if (!f.hasDefault) return `record ${def.name} default lacks field "${f.name}"`;
          continue;
        }
        const why = checkDefault(f.type, v, defs);
        if (why) return `${f.name}: ${why}`;
      }
      return undefined;
    }
  }
}

/** A short Avro-ish rendering of a type for messages. */
export function describeNode(node: AvroNode): string {
  switch (node.kind) {
    case 'primitive':
      return node.type;
    case 'logical':
      return node.logicalType;
    case 'named':
      return node.fullName.slice(node.fullName.lastIndexOf('.') + 1);
    case 'array':
      return `array<${describeNode(node.items)}>`;
    case 'map':
      return `map<${describeNode(node.values)}>`;
    case 'union':
      return node.branches.map(describeNode).join(' | ');
  }
}
