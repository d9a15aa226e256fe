// Runs a service as it ships (`services/<name>/src/main.ts` compiled to `dist/main.js`) as a child process, for tests of
// start-up, /health, /ready, /metrics and graceful shutdown on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { buildService, compiledEntry } from '@orderflow/stack';

const ROOT = resolve(__dirname, '..', '..');

/** A service process under test. */
export interface ServiceProcess {
  child: ChildProcess;
  /** Every line the process wrote to stdout (its JSON logs) so far. */
  lines: string[];
  /** Sends `signal` and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Compiles and starts the service with `env` added, and waits for its "started" log line. */
export async function runService(
  name: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ServiceProcess> {
  await buildService(ROOT, name);
  const child = spawn(process.execPath, ['--enable-source-maps', compiledEntry(name)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const end = Date.now() + timeoutMs;
  while (!lines.some((l) => l.includes('"msg":"started"'))) {
    if (child.exitCode !== null || Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start (exit ${child.exitCode}):\n${lines.join('\n')}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    lines,
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}
