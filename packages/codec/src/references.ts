// Schema references (Confluent's references API, which Apicurio's ccompat API implements too): a schema
// names types that other subjects define. Everything that compares, parses or decodes a schema works on
// its resolved form, where each referenced type's definition is inlined at its first use — the same
// schema Avro's parsers build from a schema plus its references.

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

/** One entry of a registered schema's `references`: the type `name` comes from `subject` at `version`. */
export interface SchemaReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

/** A schema as it is registered: its text and, for each type it takes from another subject, that subject's registration. */
export interface SchemaRegistration {
  /** The canonical text (see canonicalSchema) registered and looked up. */
  readonly schema: string;
  readonly references: readonly ReferenceRegistration[];
}

/** A referenced type: its full name, the subject defining it and what is registered there. */
export interface ReferenceRegistration {
  readonly name: string;
  readonly subject: string;
  readonly registration: SchemaRegistration;
}

/** A name the schema uses that neither it nor the lookup defines; `path` as in `fields[3].type.items`. */
export interface UnresolvedName {
  /** The full name. */
  readonly name: string;
  readonly path: string;
  /** The name as written (unqualified names take the enclosing namespace). */
  readonly written?: string;
}

/** What {@link inlineReferences} produced. */
export interface InlinedSchema {
  /** The schema with each referenced definition inlined at its first use. */
  readonly schema: unknown;
  /** Full names taken from the lookup, in order of first use (the schema's direct references first). */
  readonly inlined: string[];
  /** Full names the schema itself defines, with where. */
  readonly defined: UnresolvedName[];
  readonly unresolved: UnresolvedName[];
}

function splitName(name: string, namespace: string): { full: string; ns: string; simple: string } {
  const dot = name.lastIndexOf('.');
  if (dot >= 0) return { full: name, ns: name.slice(0, dot), simple: name.slice(dot + 1) };
  return { full: namespace === '' ? name : `${namespace}.${name}`, ns: namespace, simple: name };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Inlines, at its first use, each type `schema` names but does not define, taking its definition from
 * `lookup(fullName)` (which may itself use further looked-up types). A definition inlined into another
 * namespace keeps its own (explicit `namespace`); into its own namespace it is written with its simple
 * name, so a schema that used to define the type in place resolves to exactly that text again.
 */
export function inlineReferences(schema: unknown, lookup: (fullName: string) => unknown): InlinedSchema {
  const defined = new Set<string>();
  const definedAt: UnresolvedName[] = [];
  const inlined: string[] = [];
  const unresolved: UnresolvedName[] = [];

  const reference = (name: string, path: string, namespace: string, node: unknown): unknown => {
    const { full } = splitName(name, namespace);
    // Avro resolves an unqualified name in the enclosing namespace, then in the null namespace.
    if (defined.has(full) || defined.has(name)) return node;
    const def = lookup(full);
    if (!isObject(def)) {
      unresolved.push({ name: full, path, written: name });
      return node;
    }
    inlined.push(full);
    return walk(placed(def, namespace), path, namespace);
  };

  const walk = (node: unknown, path: string, namespace: string): unknown => {
    if (typeof node === 'string') return PRIMITIVES.has(node) ? node : reference(node, path, namespace, node);
    if (Array.isArray(node)) return node.map((b, i) => walk(b, `${path}[${i}]`, namespace));
    if (!isObject(node)) return node;
    const type = node.type;
    if (typeof type === 'string' && NAMED.has(type) && typeof node.name === 'string') {
      const ns = typeof node.namespace === 'string' && !node.name.includes('.') ? node.namespace : namespace;
      const { full, ns: own } = splitName(node.name, ns);
      defined.add(full);
      definedAt.push({ name: full, path });
      if (type !== 'record' && type !== 'error') return node;
      const fields = Array.isArray(node.fields)
        ? node.fields.map((f: unknown, i) => {
            if (!isObject(f)) return f;
            const at = `${path === '' ? '' : `${path}.`}fields[${i}]`;
            return { ...f, type: walk(f.type, `${at}.type`, own) };
          })
        : node.fields;
      return { ...node, fields };
    }
    if (type === 'array') return { ...node, items: walk(node.items, `${path}.items`, namespace) };
    if (type === 'map') return { ...node, values: walk(node.values, `${path}.values`, namespace) };
    if (typeof type === 'string') {
      if (PRIMITIVES.has(type) || NAMED.has(type)) return node;
      // {"type": "Name"}: a reference written as an object.
      const resolved = reference(type, `${path}.type`, namespace, type);
      return resolved === type ? node : resolved;
    }
    return { ...node, type: walk(type, `${path}.type`, namespace) };
  };

  const out = walk(schema, '', '');
  return { schema: out, inlined, defined: definedAt, unresolved };
}

/** The definition `def`, written to sit in `namespace`: simple name, explicit namespace only when it differs. */
function placed(def: Record<string, unknown>, namespace: string): Record<string, unknown> {
  const name = typeof def.name === 'string' ? def.name : '';
  const ns = typeof def.namespace === 'string' && !name.includes('.') ? def.namespace : namespace;
  const { ns: own, simple } = splitName(name, ns);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(def)) {
    if (k === 'namespace') continue;
    out[k] = k === 'name' ? simple : v;
    if (k === 'name' && own !== namespace) out.namespace = own;
  }
  return out;
}

/** The names `schema` uses without defining them (its direct references), in order of first use. */
export function referencedNames(schema: unknown): UnresolvedName[] {
  const seen = new Set<string>();
  return inlineReferences(schema, () => undefined).unresolved.filter((u) => {
    if (seen.has(u.name)) return false;
    seen.add(u.name);
    return true;
  });
}
