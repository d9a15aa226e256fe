// Emits the TypeScript for the Avro side of @orderflow/contracts: one module per topic schema,
// a shared module for named types several schemas define identically, and the topic table module.
import { canonicalSchema } from '@orderflow/codec';
import { bucketOf, describeNode } from './avro-model';
import type { AvroFile, AvroNode, EnumDef, NamedDef, RecordDef } from './avro-model';
import { CodegenError } from './errors';
import type { CodegenProblem } from './errors';
import { registrationOf } from './shared-types';
import type { ResolvedSchema, SharedTypes } from './shared-types';
import { DEFAULT_KEY } from './topic-table';
import type { TopicRow, TopicTable } from './topic-table';
import { header, jsdoc, jsonLiteral, kebab, lowerFirst, str } from './ts-text';

/** One file the generator wants to exist, path relative to the repository root. */
export interface GeneratedFile {
  path: string;
  contents: string;
}

/** A topic with its parsed schema (shared types resolved). */
export interface TopicInput {
  row: TopicRow;
  avro: AvroFile;
  /** The schema as written, and the shared types it names. */
  schema: ResolvedSchema;
}

const GEN_DIR = 'packages/contracts/src/gen';
const SHARED_MODULE = 'shared';
const TOPICS_MODULE = 'topics';

// Names the generated modules or TypeScript itself already use; a schema type may not take them.
const RESERVED = new Set([
  'Array',
  'Boolean',
  'Buffer',
  'Date',
  'Error',
  'Function',
  'Map',
  'Number',
  'Object',
  'Partial',
  'Promise',
  'Readonly',
  'Record',
  'Set',
  'String',
  'Symbol',
  'Topics',
  'Subjects',
  'DeadLetterTopics',
  'ServiceName',
  'TopicName',
  'TopicEventMap',
  'TopicInputMap',
  'ValidationIssue',
  'TopicCodec',
  'TopicDescriptor',
]);

interface Placement {
  /** Module name inside gen/, without extension. */
  module: string;
  tsName: string;
  def: NamedDef;
}

interface Ctx {
  /** fullName → placement, for the file being emitted. */
  names: Map<string, Placement>;
  defs: Map<string, NamedDef>;
  needsInput: (fullName: string) => boolean;
  counter: number;
}

/**
 * Emits every Avro-derived module: shared types (and named types several topic schemas define
 * identically) once, in the shared module, which every topic module imports. Throws CodegenError
 * CONFLICT when type names cannot be made unique.
 */
export function emitAvroModules(
  version: string,
  table: TopicTable,
  topics: TopicInput[],
  sharedTypes: SharedTypes,
): GeneratedFile[] {
  const placements = placeNamedTypes(topics, sharedTypes);
  const files: GeneratedFile[] = [];
  const shared = [...placements.shared.values()];
  if (shared.length > 0) {
    const sources = [
      ...sharedTypes.ordered.filter((t) => placements.shared.has(t.fullName)).map((t) => t.file),
      ...new Set(
        topics
          .filter((t) =>
            t.avro.named.some(
              (d) => placements.shared.has(d.fullName) && !sharedTypes.byName.has(d.fullName),
            ),
          )
          .map((t) => t.avro.file),
      ),
    ];
    files.push({
      path: `${GEN_DIR}/${SHARED_MODULE}.ts`,
      contents: emitModule(
        version,
        sources,
        SHARED_MODULE,
        shared,
        placements.shared,
        undefined,
        sharedTypes,
      ),
    });
  }
  for (const t of topics) {
    const names = placements.perFile.get(t.avro.file)!;
    const own = [...names.values()].filter((p) => p.module === moduleOf(t.row));
    files.push({
      path: `${GEN_DIR}/${moduleOf(t.row)}.ts`,
      contents: emitModule(version, [t.avro.file], moduleOf(t.row), own, names, t, sharedTypes),
    });
  }
  files.push({ path: `${GEN_DIR}/${TOPICS_MODULE}.ts`, contents: emitTopicsModule(version, table, topics) });
  return files;
}

/** gen/ module name of a topic: `order_created` → `order-created`. */
export function moduleOf(row: TopicRow): string {
  return kebab(row.topic);
}

function placeNamedTypes(
  topics: TopicInput[],
  sharedTypes: SharedTypes,
): {
  shared: Map<string, Placement>;
  perFile: Map<string, Map<string, Placement>>;
} {
  const byName = new Map<
    string,
    { file: string; root: string; def: NamedDef; text: string; topic: TopicRow }[]
  >();
  for (const t of topics) {
    for (const def of t.avro.named) {
      const list = byName.get(def.fullName) ?? [];
      list.push({
        file: t.avro.file,
        root: t.avro.root.name,
        def,
        text: canonicalSchema(def.raw as object),
        topic: t.row,
      });
      byName.set(def.fullName, list);
    }
  }
  const problems: CodegenProblem[] = [];
  const shared = new Map<string, Placement>();
  const perFile = new Map<string, Map<string, Placement>>(
    topics.map((t) => [t.avro.file, new Map<string, Placement>()]),
  );
  for (const [fullName, list] of byName) {
    const first = list[0]!;
    // A shared type is inlined identically into every topic using it; one used by a single topic is
    // still emitted once, in the shared module, where the next topic using it finds it.
    if (sharedTypes.byName.has(fullName) || (list.length > 1 && list.every((x) => x.text === first.text))) {
      const p: Placement = { module: SHARED_MODULE, tsName: first.def.name, def: first.def };
      shared.set(fullName, p);
      for (const x of list) perFile.get(x.file)!.set(fullName, p);
    } else {
      for (const x of list) {
        if (list.length > 1 && x.def === topics.find((t) => t.avro.file === x.file)!.avro.root) {
          problems.push({
            file: x.file,
            path: '',
            reason: `record ${fullName} is also the name of a different record in ${list
              .filter((y) => y !== x)
              .map((y) => y.file)
              .join(', ')}; topic records need distinct names`,
          });
        }
        // Different definitions of one name in several files: qualify each with its topic record.
        const tsName = list.length > 1 ? `${x.root}${x.def.name}` : x.def.name;
        perFile.get(x.file)!.set(fullName, { module: moduleOf(x.topic), tsName, def: x.def });
      }
    }
  }
  // Distinct Avro names may still collide as TS names (same simple name, different namespaces).
  const owners = new Map<string, Placement[]>();
  const unique = new Set<Placement>([...perFile.values()].flatMap((m) => [...m.values()]));
  for (const p of unique) owners.set(p.tsName, [...(owners.get(p.tsName) ?? []), p]);
  for (const [tsName, list] of owners) {
    if (list.length > 1 || RESERVED.has(tsName)) {
      for (const p of list) {
        const file = topics.find((t) => t.avro.named.includes(p.def))!.avro.file;
        problems.push({
          file,
          path: p.def.path,
          reason: RESERVED.has(tsName)
            ? `the type name "${tsName}" is reserved in the generated code (a TypeScript global or a generated export); rename the ${p.def.kind}`
            : `the type name "${tsName}" (${p.def.fullName}) collides with another type of the same name in the generated code; rename one of them`,
        });
      }
    }
  }
  if (problems.length > 0) throw new CodegenError('CONFLICT', problems);
  return { shared, perFile };
}

function emitModule(
  version: string,
  sources: string[],
  module: string,
  own: Placement[],
  names: Map<string, Placement>,
  topic: TopicInput | undefined,
  sharedTypes: SharedTypes,
): string {
  const defs = new Map<string, NamedDef>([...names.values()].map((p) => [p.def.fullName, p.def]));
  const inputMemo = new Map<string, boolean>();
  const needsInput = (fullName: string): boolean => {
    const memo = inputMemo.get(fullName);
    if (memo !== undefined) return memo;
    inputMemo.set(fullName, false); // recursion guard
    const def = defs.get(fullName);
    const result =
      def?.kind === 'record' && def.fields.some((f) => f.hasDefault || nodeNeedsInput(f.type, needsInput));
    inputMemo.set(fullName, result);
    return result;
  };
  const ctx: Ctx = { names, defs, needsInput, counter: 0 };
  const body: string[] = [];
  for (const p of own) body.push(emitNamed(p, ctx));
  const registrations = own.filter((p) => sharedTypes.byName.has(p.def.fullName));
  if (registrations.length > 0)
    body.push(registrations.map((p) => emitSharedRegistration(p, sharedTypes, names)).join(''));

  const runtime = new Set<string>();
  const runtimeTypes = new Set<string>(['ValidationIssue']);
  const text = body.join('\n');
  for (const fn of [
    'pushIssue',
    'fieldPath',
    'itemPath',
    'keyPath',
    'isAvroInt',
    'isAvroLong',
    'isUuid',
    'isValidDate',
    'isIsoDate',
    'isPlainObject',
    'pushUnknownFields',
  ]) {
    if (new RegExp(`\\b${fn}\\(`).test(text)) runtime.add(fn);
  }
  if (registrations.length > 0) runtimeTypes.add('ReferenceRegistration');
  let topicPart = '';
  if (topic) {
    topicPart = emitTopicPart(topic, ctx, sharedTypes);
    runtime.add('TopicCodec');
    for (const t of ['CodecFactoryOptions', 'SchemaRegistration', 'SchemaRegistryClient', 'TopicDescriptor'])
      runtimeTypes.add(t);
  }
  const imports: string[] = [];
  if (runtime.size > 0) imports.push(`import { ${[...runtime].sort().join(', ')} } from '@orderflow/codec';`);
  imports.push(`import type { ${[...runtimeTypes].sort().join(', ')} } from '@orderflow/codec';`);
  const fromShared = [...names.values()].filter(
    (p) => p.module === SHARED_MODULE && module !== SHARED_MODULE,
  );
  const all = text + topicPart;
  const sharedValues = fromShared
    .flatMap((p) => valueExportsOf(p))
    .filter((n) => new RegExp(`\\b${n}\\b`).test(all));
  const sharedTypeNames = fromShared
    .flatMap((p) => typeExportsOf(p))
    .filter((n) => new RegExp(`\\b${n}\\b`).test(all));
  if (sharedValues.length > 0)
    imports.push(`import { ${sharedValues.sort().join(', ')} } from './${SHARED_MODULE}';`);
  if (sharedTypeNames.length > 0)
    imports.push(`import type { ${sharedTypeNames.sort().join(', ')} } from './${SHARED_MODULE}';`);
  if (topic) imports.push(`import type { ServiceName } from './${TOPICS_MODULE}';`);
  return `${header(version, sources)}\n${imports.join('\n')}\n\n${body.join('\n')}${topicPart}`;
}

function valueExportsOf(p: Placement): string[] {
  const registration = `${lowerFirst(p.tsName)}Registration`;
  if (p.def.kind === 'record') return [`validate${p.tsName}`, registration];
  if (p.def.kind === 'enum') return [p.tsName, `${lowerFirst(p.tsName)}Symbols`, registration];
  return [registration];
}

/** `customerRegistration`: what is registered under a shared type's subject, and what names it. */
function emitSharedRegistration(
  p: Placement,
  sharedTypes: SharedTypes,
  names: Map<string, Placement>,
): string {
  const t = sharedTypes.byName.get(p.def.fullName)!;
  const registration = registrationOf(t.json, t.references, sharedTypes);
  const refs = t.references.map((r) => `${lowerFirst(names.get(r)!.tsName)}Registration`);
  return (
    `/** ${p.def.fullName} as registered under subject ${t.subject} (${t.file}); schemas using it name it in their references. */\n` +
    `export const ${lowerFirst(p.tsName)}Registration: ReferenceRegistration = {\n` +
    `  name: ${str(p.def.fullName)},\n  subject: ${str(t.subject)},\n` +
    `  registration: { schema: ${str(registration.schema)}, references: [${refs.join(', ')}] },\n};\n`
  );
}

function typeExportsOf(p: Placement): string[] {
  if (p.def.kind === 'record') return [p.tsName, `${p.tsName}Input`];
  // An enum's type shares its name with the symbol object, which the value import brings in.
  return p.def.kind === 'enum' ? [] : [p.tsName];
}

function nodeNeedsInput(node: AvroNode, needsInput: (fullName: string) => boolean): boolean {
  switch (node.kind) {
    case 'named':
      return needsInput(node.fullName);
    case 'array':
      return nodeNeedsInput(node.items, needsInput);
    case 'map':
      return nodeNeedsInput(node.values, needsInput);
    case 'union':
      return node.branches.some((b) => nodeNeedsInput(b, needsInput));
    default:
      return false;
  }
}

function emitNamed(p: Placement, ctx: Ctx): string {
  const def = p.def;
  if (def.kind === 'enum') return emitEnum(p.tsName, def);
  if (def.kind === 'fixed')
    return `${jsdoc(def.doc ?? `Avro fixed ${def.fullName}: exactly ${def.size} bytes.`)}export type ${p.tsName} = Buffer;\n`;
  return emitRecord(p.tsName, def, ctx);
}

function emitEnum(tsName: string, def: EnumDef): string {
  const symbols = def.symbols;
  const doc = [
    def.doc,
    def.default === undefined
      ? undefined
      : `Readers that do not know a newer symbol read it as ${def.default}.`,
  ]
    .filter(Boolean)
    .join('\n\n');
  return (
    `${jsdoc(doc)}export type ${tsName} = ${symbols.map(str).join(' | ')};\n` +
    `/** The symbols of ${tsName} by name: use \`${tsName}.${symbols[0]}\` instead of a string literal. */\n` +
    `export const ${tsName} = {\n${symbols.map((s) => `  ${s}: ${str(s)},`).join('\n')}\n} as const;\n` +
    `/** The symbols of ${tsName} in schema order. */\n` +
    `export const ${lowerFirst(tsName)}Symbols: readonly ${tsName}[] = [${symbols.map(str).join(', ')}];\n`
  );
}

function emitRecord(tsName: string, def: RecordDef, ctx: Ctx): string {
  const out: string[] = [];
  out.push(`${jsdoc(def.doc)}export interface ${tsName} {\n`);
  for (const f of def.fields) out.push(`${jsdoc(f.doc, '  ')}  ${f.name}: ${tsType(f.type, false, ctx)};\n`);
  out.push('}\n');
  if (ctx.needsInput(def.fullName)) {
    out.push(`/** ${tsName} as \`encode\` accepts it: fields with a schema default may be left out. */\n`);
    out.push(`export interface ${tsName}Input {\n`);
    for (const f of def.fields) {
      out.push(`${jsdoc(f.doc, '  ')}  ${f.name}${f.hasDefault ? '?' : ''}: ${tsType(f.type, true, ctx)};\n`);
    }
    out.push('}\n');
  } else {
    out.push(`/** ${tsName} as \`encode\` accepts it (no field has a default, so the same type). */\n`);
    out.push(`export type ${tsName}Input = ${tsName};\n`);
  }
  const fieldsConst = `${lowerFirst(tsName)}Fields`;
  out.push(`const ${fieldsConst}: readonly string[] = [${def.fields.map((f) => str(f.name)).join(', ')}];\n`);
  out.push(
    `/** Checks \`value\` against the ${tsName} record; every issue names its field path. [] when valid. */\n`,
  );
  out.push(
    `export function validate${tsName}(value: unknown, path = '', issues: ValidationIssue[] = []): ValidationIssue[] {\n`,
  );
  out.push(
    `  if (!isPlainObject(value)) {\n    pushIssue(issues, path, ${str(`${tsName} (object)`)}, value);\n    return issues;\n  }\n`,
  );
  for (const f of def.fields) {
    const v = `f${ctx.counter++}`;
    out.push(`  const ${v} = value[${str(f.name)}];\n`);
    const check = emitCheck(
      f.type,
      v,
      `fieldPath(path, ${str(f.name)})`,
      'issues',
      ctx,
      f.hasDefault ? '    ' : '  ',
    );
    if (f.hasDefault) out.push(`  if (${v} !== undefined) {\n${check}  }\n`);
    else out.push(check);
  }
  out.push(`  pushUnknownFields(issues, path, value, ${fieldsConst}, ${str(tsName)});\n`);
  out.push('  return issues;\n}\n');
  return out.join('');
}

function tsType(node: AvroNode, input: boolean, ctx: Ctx): string {
  switch (node.kind) {
    case 'primitive':
      return {
        null: 'null',
        boolean: 'boolean',
        int: 'number',
        long: 'number',
        float: 'number',
        double: 'number',
        bytes: 'Buffer',
        string: 'string',
      }[node.type];
    case 'logical':
      return node.logicalType === 'timestamp-millis' ? 'Date' : 'string';
    case 'named': {
      const p = ctx.names.get(node.fullName)!;
      return input && p.def.kind === 'record' && ctx.needsInput(node.fullName)
        ? `${p.tsName}Input`
        : p.tsName;
    }
    case 'array': {
      const items = tsType(node.items, input, ctx);
      return node.items.kind === 'union' ? `(${items})[]` : `${items}[]`;
    }
    case 'map':
      return `Record<string, ${tsType(node.values, input, ctx)}>`;
    case 'union': {
      if (node.wrapped) {
        // avsc wraps ambiguous unions: each non-null value is `{ <branch name>: value }`.
        return node.branches
          .map((b) =>
            b.kind === 'primitive' && b.type === 'null'
              ? 'null'
              : `{ ${str(branchName(b))}: ${tsType(b, input, ctx)} }`,
          )
          .join(' | ');
      }
      const parts = node.branches
        .filter((b) => !(b.kind === 'primitive' && b.type === 'null'))
        .map((b) => tsType(b, input, ctx));
      if (parts.length < node.branches.length) parts.push('null');
      return parts.join(' | ');
    }
  }
}

/** The key avsc uses for a branch of a wrapped union. */
function branchName(node: AvroNode): string {
  switch (node.kind) {
    case 'primitive':
      return node.type;
    case 'logical':
      return node.underlying;
    case 'named':
      return node.fullName;
    default:
      return node.kind;
  }
}

function expectedOf(node: AvroNode, ctx: Ctx): string {
  switch (node.kind) {
    case 'logical':
      return {
        'timestamp-millis': 'a valid Date (timestamp-millis)',
        uuid: 'a uuid string',
        date: 'a YYYY-MM-DD date string',
      }[node.logicalType];
    case 'named': {
      const p = ctx.names.get(node.fullName)!;
      if (p.def.kind === 'enum') return `one of ${p.def.symbols.join('|')}`;
      if (p.def.kind === 'fixed') return `a ${p.def.size}-byte Buffer (${p.tsName})`;
      return `${p.tsName} (object)`;
    }
    case 'primitive':
      return node.type === 'bytes' ? 'bytes (Buffer)' : node.type;
    case 'array':
      return `an array of ${describeNode(node.items)}`;
    case 'map':
      return `a map of ${describeNode(node.values)} (object)`;
    case 'union':
      return node.branches
        .map((b) => (b.kind === 'named' ? ctx.names.get(b.fullName)!.tsName : describeNode(b)))
        .join(' | ');
  }
}

/** Statements that push an issue for each way `v` (an identifier) fails `node`. */
function emitCheck(node: AvroNode, v: string, path: string, issues: string, ctx: Ctx, ind: string): string {
  const push = `pushIssue(${issues}, ${path}, ${str(expectedOf(node, ctx))}, ${v});`;
  const simple = (failing: string): string => `${ind}if (${failing}) ${push}\n`;
  switch (node.kind) {
    case 'primitive':
      switch (node.type) {
        case 'null':
          return simple(`${v} !== null`);
        case 'boolean':
          return simple(`typeof ${v} !== 'boolean'`);
        case 'int':
          return simple(`!isAvroInt(${v})`);
        case 'long':
          return simple(`!isAvroLong(${v})`);
        case 'float':
        case 'double':
          return simple(`typeof ${v} !== 'number'`);
        case 'bytes':
          return simple(`!Buffer.isBuffer(${v})`);
        case 'string':
          return simple(`typeof ${v} !== 'string'`);
      }
      break;
    case 'logical':
      return simple(
        node.logicalType === 'timestamp-millis'
          ? `!isValidDate(${v})`
          : node.logicalType === 'uuid'
            ? `!isUuid(${v})`
            : `!isIsoDate(${v})`,
      );
    case 'named': {
      const p = ctx.names.get(node.fullName)!;
      if (p.def.kind === 'enum')
        return simple(`!(${lowerFirst(p.tsName)}Symbols as readonly unknown[]).includes(${v})`);
      if (p.def.kind === 'fixed') return simple(`!Buffer.isBuffer(${v}) || ${v}.length !== ${p.def.size}`);
      return `${ind}validate${p.tsName}(${v}, ${path}, ${issues});\n`;
    }
    case 'array': {
      const i = `i${ctx.counter++}`;
      const item = `a${ctx.counter++}`;
      const p = `p${ctx.counter++}`;
      return (
        `${ind}if (!Array.isArray(${v})) ${push}\n` +
        `${ind}else {\n` +
        `${ind}  for (let ${i} = 0; ${i} < ${v}.length; ${i} += 1) {\n` +
        `${ind}    const ${item}: unknown = ${v}[${i}];\n` +
        `${ind}    const ${p} = itemPath(${path}, ${i});\n` +
        emitCheck(node.items, item, p, issues, ctx, `${ind}    `) +
        `${ind}  }\n${ind}}\n`
      );
    }
    case 'map': {
      const k = `k${ctx.counter++}`;
      const item = `m${ctx.counter++}`;
      const p = `p${ctx.counter++}`;
      return (
        `${ind}if (!isPlainObject(${v})) ${push}\n` +
        `${ind}else {\n` +
        `${ind}  for (const [${k}, ${item}] of Object.entries(${v})) {\n` +
        `${ind}    const ${p} = keyPath(${path}, ${k});\n` +
        emitCheck(node.values, item, p, issues, ctx, `${ind}    `) +
        `${ind}  }\n${ind}}\n`
      );
    }
    case 'union':
      return node.wrapped
        ? emitWrappedUnionCheck(node.branches, v, path, issues, ctx, ind, push)
        : emitUnionCheck(node.branches, v, path, issues, ctx, ind, push);
  }
  return '';
}

const BUCKET_TEST: Record<string, (v: string) => string> = {
  null: (v) => `${v} === null`,
  boolean: (v) => `typeof ${v} === 'boolean'`,
  number: (v) => `typeof ${v} === 'number'`,
  string: (v) => `typeof ${v} === 'string'`,
  buffer: (v) => `Buffer.isBuffer(${v})`,
  array: (v) => `Array.isArray(${v})`,
  date: (v) => `${v} instanceof Date`,
  object: (v) => `isPlainObject(${v})`,
};

function emitUnionCheck(
  branches: AvroNode[],
  v: string,
  path: string,
  issues: string,
  ctx: Ctx,
  ind: string,
  push: string,
): string {
  // Pick the branch by the value's JS type, so a bad nested value reports its own path.
  const groups = new Map<string, AvroNode[]>();
  for (const b of branches) {
    const bucket = bucketOf(b, ctx.defs);
    groups.set(bucket, [...(groups.get(bucket) ?? []), b]);
  }
  let out = '';
  let first = true;
  for (const [bucket, group] of groups) {
    out += `${ind}${first ? '' : 'else '}if (${BUCKET_TEST[bucket]!(v)}) {\n`;
    first = false;
    if (group.length === 1) {
      const b = group[0]!;
      // The bucket test already proves null, boolean, string, float and double; others need their check.
      if (b.kind === 'primitive' && ['null', 'boolean', 'string', 'float', 'double'].includes(b.type))
        out += `${ind}  // ${b.type}: nothing more to check\n`;
      else out += emitCheck(b, v, path, issues, ctx, `${ind}  `);
    } else {
      // Several branches share a JS type (logical types): valid if any branch accepts the value.
      const attempts = group.map((b) => {
        const sub = `s${ctx.counter++}`;
        return `${ind}  ((${sub}: ValidationIssue[]) => {\n${emitCheck(b, v, path, sub, ctx, `${ind}    `)}${ind}    return ${sub}.length === 0;\n${ind}  })([])`;
      });
      out += `${ind}  const ok = [\n${attempts.join(',\n')},\n${ind}  ].some(Boolean);\n${ind}  if (!ok) ${push}\n`;
    }
    out += `${ind}}\n`;
  }
  return `${out}${ind}else ${push}\n`;
}

function emitWrappedUnionCheck(
  branches: AvroNode[],
  v: string,
  path: string,
  issues: string,
  ctx: Ctx,
  ind: string,
  push: string,
): string {
  const k = `k${ctx.counter++}`;
  const inner = `w${ctx.counter++}`;
  const hasNull = branches.some((b) => b.kind === 'primitive' && b.type === 'null');
  let out = hasNull ? `${ind}if (${v} === null) {\n${ind}  // null is not wrapped\n${ind}} else ` : ind;
  out += `if (isPlainObject(${v}) && Object.keys(${v}).length === 1) {\n`;
  out += `${ind}  const ${k} = Object.keys(${v})[0]!;\n${ind}  const ${inner}: unknown = ${v}[${k}];\n${ind}  switch (${k}) {\n`;
  for (const b of branches) {
    if (b.kind === 'primitive' && b.type === 'null') continue;
    out += `${ind}    case ${str(branchName(b))}:\n${emitCheck(b, inner, `fieldPath(${path}, ${k})`, issues, ctx, `${ind}      `)}${ind}      break;\n`;
  }
  out += `${ind}    default:\n${ind}      ${push}\n${ind}  }\n${ind}} else ${push}\n`;
  return out;
}

function emitTopicPart(topic: TopicInput, ctx: Ctx, sharedTypes: SharedTypes): string {
  const { row, avro } = topic;
  const name = ctx.names.get(avro.root.fullName)!.tsName;
  const camel = lowerFirst(name);
  const key = keyExpression(topic);
  const input = `${name}Input`;
  const schema = JSON.parse(canonicalSchema(avro.json as object)) as unknown;
  const registration = registrationOf(topic.schema.written, topic.schema.references, sharedTypes);
  const refs = topic.schema.references.map((r) => `${lowerFirst(ctx.names.get(r)!.tsName)}Registration`);
  return (
    `\n/** The ${row.topic} schema, shared types resolved (canonical form of ${avro.file}): the Avro every ${row.topic} event is written with. */\n` +
    `export const ${camel}Schema: object = ${jsonLiteral(schema, '')};\n\n` +
    `/** What is registered under ${row.subject}: ${avro.file} as written${refs.length > 0 ? ', naming the shared types it references' : ''}. */\n` +
    `export const ${camel}Registration: SchemaRegistration = {\n  schema: ${str(registration.schema)},\n  references: [${refs.join(', ')}],\n};\n\n` +
    `/** A codec for ${row.topic} bound to \`registry\`; create one per process and reuse it. */\n` +
    `export function ${camel}Codec(registry: SchemaRegistryClient, options: CodecFactoryOptions = {}): TopicCodec<${name}, ${input}> {\n` +
    `  return new TopicCodec<${name}, ${input}>({ topic: ${str(row.topic)}, subject: ${str(row.subject)}, schema: ${camel}Schema, registration: ${camel}Registration, key: (value) => ${key}, registry, ...options });\n}\n\n` +
    `${jsdoc(`The ${row.topic} topic: produced by ${row.producer}, consumed by ${row.consumers.join(', ')}.`)}` +
    `export const ${camel}: TopicDescriptor<${name}, ${input}, ${str(row.topic)}, ServiceName> = {\n` +
    `  topic: ${str(row.topic)},\n` +
    `  subject: ${str(row.subject)},\n` +
    `  deadLetterTopic: ${str(`${row.topic}.DLT`)},\n` +
    `  recordName: ${str(avro.root.fullName)},\n` +
    `  schemaFile: ${str(row.schema)},\n` +
    `  schema: ${camel}Schema,\n` +
    `  registration: ${camel}Registration,\n` +
    `  compatibility: ${str(row.compatibility)},\n` +
    `  producer: ${str(row.producer)},\n` +
    `  consumers: [${row.consumers.map(str).join(', ')}],\n` +
    `  partitions: ${row.partitions},\n` +
    `  key: (value) => ${key},\n` +
    `  validate: (value) => validate${name}(value),\n` +
    `  codec: (registry, options) => ${camel}Codec(registry, options),\n` +
    `};\n`
  );
}

/**
 * The TypeScript expression of a topic's message key over `value`: its one key field, or its key fields
 * joined by ":". Throws CodegenError INVALID_AVRO when a key field is not a string field of the record.
 */
function keyExpression({ row, avro }: TopicInput): string {
  const byDefault = row.key.length === DEFAULT_KEY.length && row.key.every((k, i) => k === DEFAULT_KEY[i]);
  for (const name of row.key) {
    const field = avro.root.fields.find((f) => f.name === name);
    const isString =
      field !== undefined &&
      (field.type.kind === 'primitive'
        ? field.type.type === 'string'
        : field.type.kind === 'logical' && field.type.underlying === 'string');
    if (!isString) {
      throw new CodegenError('INVALID_AVRO', [
        {
          file: avro.file,
          path: '',
          reason: byDefault
            ? `record ${avro.root.fullName} needs a string field "orderId": it is the message key (per-order ordering)`
            : `record ${avro.root.fullName} needs a string field "${name}": schemas/topics.json makes it part of ${row.topic}'s message key`,
        },
      ]);
    }
  }
  if (row.key.length === 1) return `value.${row.key[0]}`;
  return `\`${row.key.map((k) => `\${value.${k}}`).join(':')}\``;
}

function emitTopicsModule(version: string, table: TopicTable, topics: TopicInput[]): string {
  const rows = topics.map((t) => ({
    t,
    name: t.avro.root.name,
    camel: lowerFirst(t.avro.root.name),
    module: moduleOf(t.row),
  }));
  const out: string[] = [header(version, ['schemas/topics.json']), ''];
  for (const r of rows)
    out.push(
      `import { ${r.camel} } from './${r.module}';\nimport type { ${r.name}, ${r.name}Input } from './${r.module}';\n`,
    );
  out.push(
    `\n/** The services that produce and consume topics. */\nexport type ServiceName = ${table.services.map(str).join(' | ')};\n`,
  );
  out.push(
    `/** Every service named in the topic table. */\nexport const services: readonly ServiceName[] = [${table.services.map(str).join(', ')}];\n\n`,
  );
  out.push(
    `/** Topic names by event (record) name: use \`Topics.${rows[0]!.name}\`, never a string literal. */\nexport const Topics = {\n${rows.map((r) => `  ${r.name}: ${str(r.t.row.topic)},`).join('\n')}\n} as const;\n`,
  );
  out.push(`/** A topic of the table. */\nexport type TopicName = (typeof Topics)[keyof typeof Topics];\n\n`);
  out.push(
    `/** Registry subjects by event name (TopicNameStrategy: \`<topic>-value\`). */\nexport const Subjects = {\n${rows.map((r) => `  ${r.name}: ${str(r.t.row.subject)},`).join('\n')}\n} as const;\n\n`,
  );
  out.push(
    `/** Dead-letter topics by event name (\`<topic>.DLT\`). */\nexport const DeadLetterTopics = {\n${rows.map((r) => `  ${r.name}: ${str(`${r.t.row.topic}.DLT`)},`).join('\n')}\n} as const;\n\n`,
  );
  out.push(
    `/** The decoded event type of each topic. */\nexport interface TopicEventMap {\n${rows.map((r) => `  ${r.t.row.topic}: ${r.name};`).join('\n')}\n}\n\n`,
  );
  out.push(
    `/** The encodable (input) event type of each topic. */\nexport interface TopicInputMap {\n${rows.map((r) => `  ${r.t.row.topic}: ${r.name}Input;`).join('\n')}\n}\n\n`,
  );
  out.push(
    `/** One row of the topic table. */\nexport interface TopicTableRow {\n  readonly topic: TopicName;\n  readonly schema: string;\n  readonly subject: string;\n  readonly compatibility: string;\n  readonly producer: ServiceName;\n  readonly consumers: readonly ServiceName[];\n  readonly partitions: number;\n  /** The fields whose values, joined by ":", make the message key. */\n  readonly key: readonly string[];\n  /** Kafka topic configs the topic is created with. */\n  readonly config: Readonly<Record<string, string>>;\n}\n\n`,
  );
  out.push(
    `/** schemas/topics.json as typed data, defaults applied. */\nexport const topicTable: readonly TopicTableRow[] = [\n`,
  );
  for (const r of rows) {
    const row = r.t.row;
    out.push(
      `  { topic: ${str(row.topic)}, schema: ${str(row.schema)}, subject: ${str(row.subject)}, compatibility: ${str(row.compatibility)}, producer: ${str(row.producer)}, consumers: [${row.consumers.map(str).join(', ')}], partitions: ${row.partitions}, key: [${row.key.map(str).join(', ')}], config: {${Object.entries(
        row.config,
      )
        .map(([k, v]) => ` ${str(k)}: ${str(v)}`)
        .join(',')}${Object.keys(row.config).length > 0 ? ' ' : ''}} },\n`,
    );
  }
  out.push(
    `];\n\n/** Every topic's descriptor, by topic name: what transports publish to and subscribe with. */\nexport const topicDescriptors = {\n${rows.map((r) => `  ${r.t.row.topic}: ${r.camel},`).join('\n')}\n} as const;\n\n`,
  );
  out.push(
    `/** The topics a service consumes, per the table. */\nexport function topicsConsumedBy(service: ServiceName): TopicName[] {\n  return topicTable.filter((row) => row.consumers.includes(service)).map((row) => row.topic);\n}\n\n`,
  );
  out.push(
    `/** The topics a service produces, per the table. */\nexport function topicsProducedBy(service: ServiceName): TopicName[] {\n  return topicTable.filter((row) => row.producer === service).map((row) => row.topic);\n}\n`,
  );
  return out.join('');
}
