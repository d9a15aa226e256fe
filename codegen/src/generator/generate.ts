import fs from 'node:fs';
import path from 'node:path';
import { parseAvroFile } from './avro-model';
import { emitAsyncApi } from './emit-asyncapi';
import { emitAvroModules, moduleOf } from './emit-avro';
import type { GeneratedFile, TopicInput } from './emit-avro';
import { emitOpenApiModules, ORDER_API_FILE } from './emit-openapi';
import { CodegenError } from './errors';
import { loadSharedTypes, resolveSchema, SHARED_DIR } from './shared-types';
import type { SharedTypes } from './shared-types';
import { loadTopicTable } from './topic-table';
import type { TopicTable } from './topic-table';
import { header } from './ts-text';

/** The generated package's source folder, relative to the repository root. */
export const CONTRACTS_SRC = 'packages/contracts/src';
/** Where generated modules go, relative to the repository root. */
export const GEN_DIR = `${CONTRACTS_SRC}/gen`;

/** The generator's version (from codegen/package.json), written into every header. */
export function generatorVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Generates every file of packages/contracts/src in memory from schemas/ under `root`; writes
 * nothing. Throws CodegenError naming each bad input (file, path inside it, reason).
 */
export async function generate(
  root: string,
  options: { version?: string; onSource?: (file: string) => void } = {},
): Promise<GeneratedFile[]> {
  const version = options.version ?? generatorVersion();
  const { table, topics, shared } = loadAvroInputs(root, options.onSource);
  const files = emitAvroModules(version, table, topics, shared);
  files.push(emitAsyncApi(version, table, topics));
  options.onSource?.(ORDER_API_FILE);
  let openapiText: string;
  try {
    openapiText = fs.readFileSync(path.join(root, ORDER_API_FILE), 'utf8');
  } catch (err) {
    throw new CodegenError('INVALID_OPENAPI', [
      { file: ORDER_API_FILE, path: '', reason: `cannot read the file: ${(err as Error).message}` },
    ]);
  }
  files.push(...(await emitOpenApiModules(version, openapiText)));
  const modules = files
    .filter((f) => f.path.startsWith(`${GEN_DIR}/`))
    .map((f) => path.posix.basename(f.path, '.ts'));
  const ordered = [
    ...(modules.includes('shared') ? ['shared'] : []),
    ...topics.map((t) => moduleOf(t.row)),
    'topics',
    'order-api',
    'order-api-client',
  ];
  const missing = modules.filter((m) => !ordered.includes(m));
  if (missing.length > 0)
    throw new Error(`generator bug: modules ${missing.join(', ')} not exported from index.ts`);
  files.push({
    path: `${CONTRACTS_SRC}/index.ts`,
    contents: `${header(version, ['schemas/topics.json', 'schemas/avro/*.avsc', `${SHARED_DIR}/*.avsc`, ORDER_API_FILE])}// The public API of @orderflow/contracts: everything generated under gen/.\n${ordered.map((m) => `export * from './gen/${m}';`).join('\n')}\n`,
  });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The topic table, the shared types (validated, in dependency order) and every topic's schema with its
 * shared types resolved and parsed. Throws CodegenError naming each bad input (file, path inside it,
 * type, reason).
 */
export function loadAvroInputs(
  root: string,
  onSource?: (file: string) => void,
): { table: TopicTable; topics: TopicInput[]; shared: SharedTypes } {
  const table = loadTopicTable(root);
  const { shared, problems } = loadSharedTypes(root);
  for (const t of shared.ordered) {
    onSource?.(t.file);
    // Each shared type must stand as valid Avro with what it uses inlined.
    const resolved = resolveSchema(t.file, t.json, shared, false);
    problems.push(...resolved.problems);
    if (resolved.schema)
      problems.push(
        ...parseAvroFile(t.file, JSON.stringify(resolved.schema.resolved), { root: 'named' }).problems,
      );
  }
  if (problems.length > 0) throw new CodegenError('INVALID_AVRO', problems);
  const topics: TopicInput[] = [];
  for (const row of table.topics) {
    const file = `schemas/${row.schema}`;
    onSource?.(file);
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      problems.push({ file, path: '', reason: `not valid JSON: ${(err as Error).message}` });
      continue;
    }
    const resolved = resolveSchema(file, json, shared);
    problems.push(...resolved.problems);
    if (!resolved.schema) continue;
    const { model, problems: found } = parseAvroFile(file, JSON.stringify(resolved.schema.resolved));
    problems.push(...found);
    if (model) topics.push({ row, avro: model, schema: resolved.schema });
  }
  if (problems.length > 0) throw new CodegenError('INVALID_AVRO', problems);
  return { table, topics, shared };
}

/** The state of the generated files on disk compared with `files`. */
export interface Drift {
  /** Files whose content differs or that do not exist yet. */
  changed: string[];
  /** Generated files on disk that the generator no longer produces. */
  stale: string[];
}

/** Compares `files` with what is on disk under `root`. */
export function diffAgainstDisk(root: string, files: GeneratedFile[]): Drift {
  const changed = files
    .filter((f) => {
      try {
        return fs.readFileSync(path.join(root, f.path), 'utf8') !== f.contents;
      } catch {
        return true;
      }
    })
    .map((f) => f.path);
  const wanted = new Set(files.map((f) => f.path));
  let existing: string[] = [];
  try {
    existing = fs
      .readdirSync(path.join(root, GEN_DIR))
      .filter((n) => n.endsWith('.ts'))
      .map((n) => `${GEN_DIR}/${n}`);
  } catch {
    // No gen/ yet: nothing stale.
  }
  return { changed, stale: existing.filter((p) => !wanted.has(p)).sort() };
}

/** Writes the changed files and removes stale ones; each file is written whole (temp file + rename). */
export function writeFiles(root: string, files: GeneratedFile[], drift: Drift): void {
  for (const f of files) {
    if (!drift.changed.includes(f.path)) continue;
    const target = path.join(root, f.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(temp, f.contents);
    fs.renameSync(temp, target);
  }
  for (const p of drift.stale) fs.rmSync(path.join(root, p));
}

export { CodegenError };
