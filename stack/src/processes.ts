// Spawning detached processes (own process group, output to a log file, survives the CLI) and stopping them.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StackError } from './errors';
import { pidExists } from './pid-files';

/** Starts a detached process with stdout and stderr appended to `logFile`; returns its pid. */
export async function spawnDetached(
  command: string,
  args: readonly string[],
  opts: { cwd: string; env: Readonly<Record<string, string>>; logFile: string },
): Promise<number> {
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  writeFileSync(fd, `\n==== ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  try {
    const child = spawn(command, [...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        if (child.pid === undefined) reject(new Error('no pid'));
        else resolve(child.pid);
      });
    }).catch((err: unknown) => {
      throw new StackError('START_FAILED', `could not start \`${command}\`: ${(err as Error).message}`);
    });
    child.unref();
    return pid;
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends SIGTERM to a process group (falling back to the pid), waits up to `graceMs`, then SIGKILLs. Returns how it ended. */
export async function stopProcess(
  pid: number,
  graceMs: number,
): Promise<'not-running' | 'terminated' | 'killed'> {
  if (!pidExists(pid)) return 'not-running';
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!pidExists(pid)) return 'terminated';
    await sleep(200);
  }
  signal(pid, 'SIGKILL');
  for (let i = 0; i < 25 && pidExists(pid); i++) await sleep(200);
  return 'killed';
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    // Detached children lead their own process group: signal the group so helpers die too.
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}
