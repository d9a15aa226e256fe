// Earlier versions of schema files from git history: the baseline the `check` command compares with.
import { execFileSync } from 'node:child_process';
import { SchemaCliError } from './errors';

export interface Baseline {
  /** Full commit hash, or undefined when there is no history to compare with. */
  readonly commit: string | undefined;
  /** How the baseline was chosen, for the report ("merge base of HEAD and main (1a2b3c4)"). */
  readonly description: string;
}

export interface FileVersion {
  readonly commit: string;
  readonly path: string;
  readonly text: string;
}

function git(root: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch {
    return undefined;
  }
}

const short = (commit: string) => commit.slice(0, 7);

/**
 * The commit to compare against: `against` when given (must exist), else the merge base of HEAD
 * with main (or origin/main, as CI checkouts have it), else HEAD.
 */
export function resolveBaseline(root: string, against?: string): Baseline {
  if (against !== undefined) {
    const commit = git(root, ['rev-parse', '--verify', '--quiet', `${against}^{commit}`])?.trim();
    if (!commit)
      throw new SchemaCliError('GIT', `--against ${against}: not a commit in the git repository at ${root}`);
    return { commit, description: `${against} (${short(commit)})` };
  }
  for (const main of ['main', 'origin/main']) {
    const commit = git(root, ['merge-base', 'HEAD', main])?.trim();
    if (commit) return { commit, description: `merge base of HEAD and ${main} (${short(commit)})` };
  }
  const head = git(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])?.trim();
  if (head) return { commit: head, description: `HEAD (${short(head)}; no merge base with main)` };
  return { commit: undefined, description: 'no git history (nothing to compare with)' };
}

/** Every committed version of `file` up to `commit`, following renames, oldest first, identical texts once. */
export function fileHistory(root: string, file: string, commit: string): FileVersion[] {
  const log = git(root, ['log', '--follow', '--format=%H', '--name-only', commit, '--', file]) ?? '';
  const entries: Array<{ commit: string; path: string }> = [];
  let current: string | undefined;
  for (const line of log.split('\n').map((l) => l.trim())) {
    if (/^[0-9a-f]{40}$/.test(line)) current = line;
    else if (line && current) {
      entries.push({ commit: current, path: line });
      current = undefined;
    }
  }
  // git's --follow also "follows" a new file to a similar one that still exists (order_expired.avsc,
  // added next to an edited payment_refunded.avsc, looked like its rename). A rename is real only when
  // the old path is gone in the commit that introduced the new one; stop at the first that is not.
  const followed: typeof entries = [];
  for (const entry of entries) {
    const newer = followed.at(-1);
    if (
      newer &&
      entry.path !== newer.path &&
      git(root, ['cat-file', '-e', `${newer.commit}:${entry.path}`]) !== undefined
    )
      break;
    followed.push(entry);
  }
  const versions: FileVersion[] = [];
  for (const entry of followed.reverse()) {
    // A commit that deleted the file has nothing to show; skip it.
    const text = git(root, ['show', `${entry.commit}:${entry.path}`]);
    if (text === undefined) continue;
    if (versions.at(-1)?.text === text) continue;
    versions.push({ ...entry, text });
  }
  return versions;
}

/** A label for a file version in reports, e.g. `git 1a2b3c4`. */
export function versionLabel(v: FileVersion, file: string): string {
  return v.path === file ? `git ${short(v.commit)}` : `git ${short(v.commit)} (${v.path})`;
}

/** Where shared types live (as in codegen's shared-types.ts, which this must not import: no cycle). */
const SHARED_DIR = 'schemas/avro/shared';

/** A topic schema's version together with the shared type files at the same commit. */
export interface VersionWithShared extends FileVersion {
  readonly shared: ReadonlyArray<{ file: string; text: string }>;
}

/** The shared type files (`schemas/avro/shared/*.avsc`) as they were at `commit`; [] before there were any. */
export function sharedFilesAt(root: string, commit: string): Array<{ file: string; text: string }> {
  const names = git(root, ['ls-tree', '--name-only', `${commit}:${SHARED_DIR}`]);
  if (names === undefined) return [];
  return names
    .split('\n')
    .filter((n) => n.endsWith('.avsc'))
    .sort()
    .map((n) => ({
      file: `${SHARED_DIR}/${n}`,
      text: git(root, ['show', `${commit}:${SHARED_DIR}/${n}`]) ?? '',
    }));
}

/**
 * Every committed version of topic schema `file` up to `commit`, oldest first — one for each commit
 * that changed the file or a shared type file — with the shared types of that commit: a change to a
 * shared type is a new version of every topic schema using it.
 */
export function historyWithShared(root: string, file: string, commit: string): VersionWithShared[] {
  const own = fileHistory(root, file, commit);
  if (own.length === 0) return [];
  const paths = [...new Set(own.map((v) => v.path))];
  const log = git(root, ['log', '--format=%H', commit, '--', ...paths, SHARED_DIR]) ?? '';
  const commits = log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[0-9a-f]{40}$/.test(l))
    .reverse();
  const out: VersionWithShared[] = [];
  for (const c of commits) {
    // The file under the newest of its names that exists at this commit.
    let found: { path: string; text: string } | undefined;
    for (const p of [...paths].reverse()) {
      const text = git(root, ['show', `${c}:${p}`]);
      if (text !== undefined) {
        found = { path: p, text };
        break;
      }
    }
    if (found === undefined) continue;
    out.push({ commit: c, path: found.path, text: found.text, shared: sharedFilesAt(root, c) });
  }
  return out;
}
