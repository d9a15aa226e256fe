// Shared helpers of the contract suite: where things are, and the topic table as the generator reads it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadTopicTable } from '@orderflow/codegen';
import type { TopicRow } from '@orderflow/codegen';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** The validated topic table (throws with every problem if it is invalid). */
export function topicRows(): TopicRow[] {
  return loadTopicTable(ROOT).topics;
}

/** The .avsc text of a row in the working tree. */
export function schemaText(row: TopicRow): string {
  return fs.readFileSync(path.join(ROOT, 'schemas', row.schema), 'utf8');
}

/** Every committed version of a file (newest first) plus the working-tree version when it differs. */
export function schemaHistory(relative: string): { where: string; text: string }[] {
  const git = (args: string[]): string =>
    execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const commits = git(['log', '--format=%H', '--', relative]).split('\n').filter(Boolean);
  const versions = commits.flatMap((sha) => {
    try {
      return [{ where: `${relative}@${sha.slice(0, 12)}`, text: git(['show', `${sha}:${relative}`]) }];
    } catch {
      // The commit deleted the file: no version to read.
      return [];
    }
  });
  const absolute = path.join(ROOT, relative);
  if (fs.existsSync(absolute)) {
    const current = fs.readFileSync(absolute, 'utf8');
    if (versions[0]?.text !== current)
      versions.unshift({ where: `${relative} (working tree)`, text: current });
  }
  return versions;
}
