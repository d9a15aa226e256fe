// Shared helpers of the contract suite: where things are, and the topic table as the generator reads it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  loadTopicTable,
  readResolvedSchema,
  resolveSchema,
  SHARED_DIR,
  sharedFilesAt,
  sharedTypesFrom,
} from '@orderflow/codegen';
import type { TopicRow } from '@orderflow/codegen';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** The validated topic table (throws with every problem if it is invalid). */
export function topicRows(): TopicRow[] {
  return loadTopicTable(ROOT).topics;
}

/** The .avsc of a row in the working tree with its shared types inlined (the Avro it writes), as JSON text. */
export function schemaText(row: TopicRow): string {
  return JSON.stringify(readResolvedSchema(ROOT, `schemas/${row.schema}`), null, 2);
}

/**
 * Every committed version of a schema file (newest first) — one per commit that changed it or a shared
 * type — plus the working-tree version when it differs; each with the shared types of its commit inlined.
 */
export function schemaHistory(relative: string): { where: string; text: string }[] {
  const git = (args: string[]): string =>
    execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const resolved = (text: string, shared: { file: string; text: string }[]): string => {
    const { schema, problems } = resolveSchema(
      relative,
      JSON.parse(text),
      sharedTypesFrom(shared).shared,
      false,
    );
    if (!schema) throw new Error(problems.map((p) => `${p.path}: ${p.reason}`).join('; '));
    return JSON.stringify(schema.resolved);
  };
  const commits = git(['log', '--format=%H', '--', relative, SHARED_DIR]).split('\n').filter(Boolean);
  const versions = commits.flatMap((sha) => {
    let text: string;
    try {
      text = git(['show', `${sha}:${relative}`]);
    } catch {
      // The file does not exist at this commit: no version to read.
      return [];
    }
    return [{ where: `${relative}@${sha.slice(0, 12)}`, text: resolved(text, sharedFilesAt(ROOT, sha)) }];
  });
  const unique = versions.filter((v, i) => versions.findIndex((w) => w.text === v.text) === i);
  const absolute = path.join(ROOT, relative);
  if (fs.existsSync(absolute)) {
    const current = JSON.stringify(readResolvedSchema(ROOT, relative));
    if (unique[0]?.text !== current) unique.unshift({ where: `${relative} (working tree)`, text: current });
  }
  return unique;
}
