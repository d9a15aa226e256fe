// Shared types: named Avro types in schemas/avro/shared/<full name>.avsc, one per file, that topic
// schemas (and other shared types) use by full name. Each is registered as its own subject and named
// in the `references` of every schema using it; codegen, the gate and the codecs work on the resolved
// schema (each definition inlined at its first use), which is the Avro every topic writes.
import fs from 'node:fs';
import path from 'node:path';
import { canonicalSchema, inlineReferences, referencedNames } from '@orderflow/codec';
import type { SchemaRegistration } from '@orderflow/codec';
import { CodegenError } from './errors';
import type { CodegenProblem } from './errors';

/** Where shared types live, relative to the repository root. */
export const SHARED_DIR = 'schemas/avro/shared';

/** One shared named type. */
export interface SharedType {
  /** Full Avro name, e.g. `dev.orderflow.events.Customer`; also the file's base name. */
  readonly fullName: string;
  /** Relative to the repository root. */
  readonly file: string;
  /** The registry subject it is registered under: its full name. */
  readonly subject: string;
  /** The definition as written. */
  readonly json: Record<string, unknown>;
  /** Shared types it uses directly, in order of first use. */
  readonly references: readonly string[];
}

/** Every shared type, by full name and in dependency order (a type after those it uses). */
export interface SharedTypes {
  readonly byName: ReadonlyMap<string, SharedType>;
  readonly ordered: readonly SharedType[];
}

/** No shared types (a repository without schemas/avro/shared/). */
export const NO_SHARED_TYPES: SharedTypes = { byName: new Map(), ordered: [] };

/** The subject a shared type is registered under. */
export function sharedSubject(fullName: string): string {
  return fullName;
}

/** Reads schemas/avro/shared/*.avsc under `root` ([] when the folder does not exist), sorted by name. */
export function readSharedFiles(root: string): { file: string; text: string }[] {
  const dir = path.join(root, SHARED_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.avsc'))
    .sort()
    .map((n) => ({ file: `${SHARED_DIR}/${n}`, text: fs.readFileSync(path.join(dir, n), 'utf8') }));
}

const NAMED = ['record', 'error', 'enum', 'fixed'];

/**
 * Validates shared type files (given as text, so git history can pass older versions): one named
 * type per file named `<full name>.avsc`, every name it uses defined by another shared file, no
 * cycles between files. Problems name the file, the place inside it and the type.
 */
export function sharedTypesFrom(files: readonly { file: string; text: string }[]): {
  shared: SharedTypes;
  problems: CodegenProblem[];
} {
  const problems: CodegenProblem[] = [];
  const found = new Map<string, SharedType>();
  for (const { file, text } of files) {
    const fail = (at: string, reason: string): void => {
      problems.push({ file, path: at, reason });
    };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      fail('', `not valid JSON: ${(err as Error).message}`);
      continue;
    }
    if (
      typeof json !== 'object' ||
      json === null ||
      Array.isArray(json) ||
      !NAMED.includes(String((json as { type?: unknown }).type)) ||
      typeof (json as { name?: unknown }).name !== 'string'
    ) {
      fail('', 'a shared type file holds one named type: a record, enum or fixed with a "name"');
      continue;
    }
    const def = json as Record<string, unknown>;
    const name = def.name as string;
    const fullName =
      name.includes('.') || typeof def.namespace !== 'string' || def.namespace === ''
        ? name
        : `${def.namespace}.${name}`;
    const expected = `${SHARED_DIR}/${fullName}.avsc`;
    if (file !== expected) {
      fail(
        'name',
        `defines ${fullName}, so the file must be ${expected} (one file per type, named by its full name)`,
      );
      continue;
    }
    const inlined = inlineReferences(def, () => undefined);
    const nested = inlined.defined.filter((d) => d.path !== '');
    for (const d of nested)
      fail(
        d.path,
        `defines ${d.name} inside ${fullName}; give it its own file ${SHARED_DIR}/${d.name}.avsc and use it by name`,
      );
    if (nested.length > 0) continue;
    found.set(fullName, {
      fullName,
      file,
      subject: sharedSubject(fullName),
      json: def,
      references: referencedNames(def).map((r) => r.name),
    });
  }
  for (const t of found.values()) {
    for (const u of referencedNames(t.json)) {
      if (!found.has(u.name))
        problems.push({
          file: t.file,
          path: u.path,
          reason: `unknown type ${u.name}: not a primitive, not defined in the file, and no ${SHARED_DIR}/${u.name}.avsc`,
        });
    }
  }
  const ordered: SharedType[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: SharedType, chain: SharedType[]): void => {
    const s = state.get(t.fullName);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...chain.slice(chain.indexOf(t)), t];
      problems.push({
        file: t.file,
        path: '',
        reason: `shared types use each other in a cycle, which the registry cannot hold (each subject's version must exist before the schema naming it): ${cycle.map((c) => `${c.fullName} (${c.file})`).join(' -> ')}`,
      });
      return;
    }
    state.set(t.fullName, 'visiting');
    for (const r of t.references) {
      const dep = found.get(r);
      if (dep) visit(dep, [...chain, t]);
    }
    state.set(t.fullName, 'done');
    ordered.push(t);
  };
  for (const t of found.values()) visit(t, []);
  return { shared: { byName: found, ordered }, problems };
}

/** Loads and validates schemas/avro/shared/ under `root`. */
export function loadSharedTypes(root: string): { shared: SharedTypes; problems: CodegenProblem[] } {
  return sharedTypesFrom(readSharedFiles(root));
}

/** A schema with its shared types resolved. */
export interface ResolvedSchema {
  /** The schema as written (naming shared types). */
  readonly written: unknown;
  /** Each shared type inlined at its first use: the Avro the topic writes. */
  readonly resolved: unknown;
  /** The shared types it names directly (its registry references), in order of first use. */
  readonly references: readonly string[];
  /** Every shared type it uses, directly or through another shared type. */
  readonly uses: readonly string[];
}

/**
 * Resolves the shared types `json` (the content of `file`) uses. Names neither it nor a shared file
 * defines, and types it defines that a shared file also defines, are problems naming the place and
 * the type (with `strict` false, as for old git versions, a type it defines itself simply wins).
 */
export function resolveSchema(
  file: string,
  json: unknown,
  shared: SharedTypes,
  strict = true,
): { schema?: ResolvedSchema; problems: CodegenProblem[] } {
  const problems: CodegenProblem[] = [];
  const inlined = inlineReferences(json, (name) => shared.byName.get(name)?.json);
  if (strict) {
    for (const d of inlined.defined) {
      const other = shared.byName.get(d.name);
      if (other && !inlined.inlined.includes(d.name))
        problems.push({
          file,
          path: d.path,
          reason: `defines ${d.name}, which ${other.file} also defines; use the shared type by its name "${d.name}" instead of a copy`,
        });
    }
  }
  // A qualified name is a reference to a type defined elsewhere: say where it was looked for. An
  // unqualified unknown name (a typo such as "integer") is left to the Avro parsers, which explain it.
  for (const u of inlined.unresolved.filter((x) => x.written?.includes('.')))
    problems.push({
      file,
      path: u.path,
      reason: `unknown type ${u.name}: not a primitive, not defined earlier in the file, and no ${SHARED_DIR}/${u.name}.avsc`,
    });
  if (problems.length > 0) return { problems };
  const references = referencedNames(json)
    .map((r) => r.name)
    .filter((n) => shared.byName.has(n));
  return {
    schema: { written: json, resolved: inlined.schema, references, uses: [...new Set(inlined.inlined)] },
    problems,
  };
}

/** What is registered for a schema naming `references`: its canonical text and, recursively, theirs. */
export function registrationOf(
  written: unknown,
  references: readonly string[],
  shared: SharedTypes,
): SchemaRegistration {
  return {
    schema: canonicalSchema(written as object),
    references: references.map((name) => {
      const t = shared.byName.get(name)!;
      return { name, subject: t.subject, registration: registrationOf(t.json, t.references, shared) };
    }),
  };
}

/**
 * The schema file `file` (relative to `root`) with the repository's shared types inlined: the Avro it
 * writes. Throws CodegenError INVALID_AVRO naming the file, the place and the type when it cannot.
 */
export function readResolvedSchema(root: string, file: string): unknown {
  const { shared, problems } = loadSharedTypes(root);
  if (problems.length > 0) throw new CodegenError('INVALID_AVRO', problems);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
  } catch (err) {
    throw new CodegenError('INVALID_AVRO', [{ file, path: '', reason: (err as Error).message }]);
  }
  const resolved = resolveSchema(file, json, shared);
  if (!resolved.schema) throw new CodegenError('INVALID_AVRO', resolved.problems);
  return resolved.schema.resolved;
}

/**
 * The definition of named type `fullName` inside `schema` (as a resolved schema holds it), written to
 * stand alone: its own namespace explicit. Undefined when the schema does not define it.
 */
export function definitionIn(schema: unknown, fullName: string): Record<string, unknown> | undefined {
  const at = inlineReferences(schema, () => undefined).defined.find((d) => d.name === fullName);
  if (at === undefined) return undefined;
  let node: unknown = schema;
  for (const [, key, index] of at.path.matchAll(/([A-Za-z_]\w*)|\[(\d+)\]/g))
    node = (node as Record<string, unknown>)[key ?? Number(index)];
  const dot = fullName.lastIndexOf('.');
  const { namespace: _ignored, ...rest } = node as Record<string, unknown>;
  return dot < 0
    ? { ...rest, name: fullName }
    : { ...rest, name: fullName.slice(dot + 1), namespace: fullName.slice(0, dot) };
}
