// Reading the topic table and schema files, with errors that name the file and the reason.
import fs from 'node:fs';
import path from 'node:path';
import { canonicalSchema } from '@orderflow/codec';
import { AvroSchemaError, isCompatibilityLevel, parseAvroSchema } from '../compat';
import type { AvroSchema, CompatibilityLevel } from '../compat';
import { formatProblem } from '../generator/errors';
import type { CodegenProblem } from '../generator/errors';
import { readSharedFiles, resolveSchema, sharedTypesFrom } from '../generator/shared-types';
import type { ResolvedSchema, SharedTypes } from '../generator/shared-types';
import { SchemaCliError } from './errors';

export interface TopicEntry {
  readonly topic: string;
  readonly subject: string;
  /** Schema path relative to the repository root, e.g. `schemas/avro/order_created.avsc`. */
  readonly schemaPath: string;
  readonly compatibility: CompatibilityLevel;
}

/** The repository root: the nearest directory above `from` holding schemas/topics.json. */
export function findRoot(from: string = process.cwd()): string {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'schemas', 'topics.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new SchemaCliError(
        'UNUSABLE_INPUT',
        `no schemas/topics.json found in ${from} or any directory above it`,
      );
    dir = parent;
  }
}

/** Load and validate schemas/topics.json (levels default from its `defaults`). */
export function loadTopicTable(root: string): TopicEntry[] {
  const file = path.join('schemas', 'topics.json');
  const json = readJson(root, file) as { topics?: unknown };
  if (!Array.isArray(json.topics))
    throw new SchemaCliError('UNUSABLE_INPUT', `${file}: "topics" must be an array`);
  const fallback = loadDefaultCompatibility(root);
  return json.topics.map((t: unknown, i) => {
    const where = `${file}: topics[${i}]`;
    if (typeof t !== 'object' || t === null)
      throw new SchemaCliError('UNUSABLE_INPUT', `${where} must be an object`);
    const entry = t as Record<string, unknown>;
    for (const key of ['topic', 'subject', 'schema'] as const) {
      if (typeof entry[key] !== 'string' || entry[key] === '')
        throw new SchemaCliError('UNUSABLE_INPUT', `${where}.${key} must be a non-empty string`);
    }
    const level = entry.compatibility ?? fallback;
    if (!isCompatibilityLevel(level))
      throw new SchemaCliError(
        'UNUSABLE_INPUT',
        `${where}.compatibility: ${JSON.stringify(level)} is not a compatibility level`,
      );
    return {
      topic: entry.topic as string,
      subject: entry.subject as string,
      schemaPath: path.posix.join('schemas', entry.schema as string),
      compatibility: level,
    };
  });
}

/** The topic table's default level (`defaults.compatibility`): the level of every shared type's subject. */
export function loadDefaultCompatibility(root: string): CompatibilityLevel {
  const file = path.join('schemas', 'topics.json');
  const json = readJson(root, file) as { defaults?: { compatibility?: unknown } };
  const level = json.defaults?.compatibility ?? 'FULL_TRANSITIVE';
  if (!isCompatibilityLevel(level))
    throw new SchemaCliError(
      'UNUSABLE_INPUT',
      `${file}: defaults.compatibility: ${JSON.stringify(level)} is not a compatibility level`,
    );
  return level;
}

function readJson(root: string, file: string): unknown {
  const text = readText(path.resolve(root, file), file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SchemaCliError('UNUSABLE_INPUT', `${file}: not valid JSON: ${(err as Error).message}`);
  }
}

/** The text of a file, `shown` naming it in the error when it cannot be read. */
export function readText(absolute: string, shown: string): string {
  try {
    return fs.readFileSync(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SchemaCliError(
      'UNUSABLE_INPUT',
      `${shown}: cannot read the file (${code === 'ENOENT' ? 'no such file' : ((err as Error).message ?? String(code))})`,
    );
  }
}

/** Parse schema text, naming `where` (a file, a git revision, a registry version) in any error. */
export function parseSchemaText(text: string, where: string): AvroSchema {
  try {
    return parseAvroSchema(text);
  } catch (err) {
    if (err instanceof AvroSchemaError) {
      const kind = err.code === 'INVALID_JSON' ? '' : 'not valid Avro: ';
      throw new SchemaCliError(
        'UNUSABLE_INPUT',
        `${where}: ${kind}${err.path ? `at ${err.path}: ` : ''}${err.reason}`,
      );
    }
    throw err;
  }
}

/** Read and parse a schema file; `shown` is how the file is named in messages. */
export function loadSchemaFile(absolute: string, shown: string): { text: string; schema: AvroSchema } {
  const text = readText(absolute, shown);
  return { text, schema: parseSchemaText(text, shown) };
}

function unusable(problems: readonly CodegenProblem[], where?: string): SchemaCliError {
  return new SchemaCliError(
    'UNUSABLE_INPUT',
    problems
      .map((p) => (where === undefined ? formatProblem(p) : `${where}: ${formatProblem(p)}`))
      .join('\n'),
  );
}

/**
 * Shared types from `files` (the working tree's, or a commit's); a bad one is UNUSABLE_INPUT naming
 * the file, the place in it and the type (`where`, e.g. `at git 1a2b3c4`, prefixes each problem).
 */
export function sharedTypes(
  files: ReadonlyArray<{ file: string; text: string }>,
  where?: string,
): SharedTypes {
  const { shared, problems } = sharedTypesFrom(files);
  if (problems.length > 0) throw unusable(problems, where);
  return shared;
}

/** The working tree's shared types (schemas/avro/shared/). */
export function loadShared(root: string): SharedTypes {
  return sharedTypes(readSharedFiles(root));
}

/** A schema with its shared types inlined: the Avro it writes, as text and parsed, and what it uses. */
export interface ResolvedSchemaText extends Omit<ResolvedSchema, 'resolved'> {
  /** Canonical JSON of the resolved schema (what a fingerprint and a comparison take). */
  readonly text: string;
  readonly schema: AvroSchema;
}

/**
 * Parses schema `text` (named `shown` in errors) with the shared types it names inlined. `strict`
 * (the working tree) also refuses a local copy of a shared type; old git versions are read leniently.
 */
export function resolveSchemaText(
  text: string,
  shown: string,
  shared: SharedTypes,
  strict = true,
): ResolvedSchemaText {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // parseSchemaText words the JSON error the way every other input error is worded.
    return { text, schema: parseSchemaText(text, shown), uses: [], written: undefined, references: [] };
  }
  const resolved = resolveSchema(shown, json, shared, strict);
  if (!resolved.schema) throw unusable(resolved.problems);
  const canonical = canonicalSchema(resolved.schema.resolved as object);
  return { ...resolved.schema, text: canonical, schema: parseSchemaText(canonical, shown) };
}

/** Read a schema file and resolve the shared types it names (see resolveSchemaText). */
export function loadResolvedSchemaFile(
  absolute: string,
  shown: string,
  shared: SharedTypes,
  strict = true,
): ResolvedSchemaText {
  return resolveSchemaText(readText(absolute, shown), shown, shared, strict);
}
