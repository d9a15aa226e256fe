// Test support: run the schema CLI as a user would (a child process through tsx) and set up scratch
// git repositories with a topic table.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(REPO_ROOT, 'codegen', 'src', 'schema-cli.ts');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `npm run schema -- <args>` (without npm) in `cwd`. */
export function runSchemaCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliResult {
  const run = spawnSync(TSX, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A scratch repository with schemas/topics.json listing `topics` and an initial commit on main. */
export class ScratchRepo {
  readonly dir: string;

  constructor(topics: ReadonlyArray<{ topic: string; subject?: string; compatibility: string }>) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-cli-'));
    this.git('init', '--quiet', '--initial-branch=main');
    this.git('config', 'user.email', 'test@example.com');
    this.git('config', 'user.name', 'test');
    this.git('config', 'commit.gpgsign', 'false');
    this.write(
      'schemas/topics.json',
      JSON.stringify({
        defaults: { compatibility: 'FULL_TRANSITIVE', partitions: 1 },
        topics: topics.map((t) => ({
          topic: t.topic,
          schema: `avro/${t.topic}.avsc`,
          subject: t.subject ?? `${t.topic}-value`,
          compatibility: t.compatibility,
        })),
      }),
    );
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  write(file: string, content: unknown): void {
    const target = path.join(this.dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n');
  }

  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '--quiet', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }

  cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
    return runSchemaCli(args, this.dir, env);
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
