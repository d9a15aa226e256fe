// The e2e harness's view of the four services: start the ones not already answering on 8001-8004 (and
// remember which, so teardown stops only those), and start/stop/kill/restart one by name for fault tests.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  SERVICES,
  isAnswering,
  killService,
  logTail,
  runningRecord,
  startService,
  stopService,
  waitReady,
  type ServiceName,
} from '@orderflow/stack';

export type { ServiceName };
export const ROOT = path.resolve(__dirname, '../../..');

/** Runs an npm script from the repository root; throws with its output when it fails. */
export function npmRun(args: string[]): void {
  const r = spawnSync('npm', ['run', '--silent', ...args], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`npm run ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`);
}

/** Starts every service that does not answer yet and waits until all four are ready; returns the ones it started. */
export async function ensureServices(log: (line: string) => void = () => undefined): Promise<ServiceName[]> {
  const started: ServiceName[] = [];
  for (const { name } of SERVICES) {
    // Answering, or started by someone else and still booting: wait for it below, never start a twin.
    if ((await isAnswering(name)) || runningRecord(name)) continue;
    const pid = await startService(name);
    log(`e2e: started ${name} (pid ${pid})`);
    started.push(name);
  }
  for (const { name } of SERVICES) await waitReady(name, { timeoutMs: 120_000 });
  return started;
}

/** Stops (SIGTERM, then SIGKILL) the named services. */
export async function stopServices(names: readonly ServiceName[]): Promise<void> {
  for (const name of [...names].reverse()) await stopService(name);
}

/** SIGKILLs a service the harness started (a crash: no graceful shutdown, nothing flushed). */
export async function crashService(name: ServiceName): Promise<void> {
  if (!(await killService(name)))
    throw new Error(`${name} was not started by the harness (or is not running); cannot kill it`);
}

/** Starts a service again after a crash or stop and waits until it is ready. */
export async function restartService(name: ServiceName): Promise<void> {
  await stopService(name);
  await startService(name);
  await waitReady(name, { timeoutMs: 120_000 });
}

/** The last lines of a service's log, for assertion messages. */
export function serviceLog(name: ServiceName, lines = 30): string {
  return logTail(name, lines);
}
