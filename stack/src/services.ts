// The four Orderflow services as local processes: start detached (pid file + log under .stack/), wait
// for /ready, stop gracefully (SIGTERM, then SIGKILL after a timeout) or kill (SIGKILL, for fault tests).
// Used by `npm start` / `npm stop` / `npm run services`, and by the e2e harness.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isRecordAlive, PidStore, type PidRecord } from './pid-files';

/** The services, in saga order, with their fixed ports. */
export const SERVICES = [
  { name: 'order', port: 8001 },
  { name: 'payment', port: 8002 },
  { name: 'inventory', port: 8003 },
  { name: 'notification', port: 8004 },
] as const;

/** One of the four services. */
export type ServiceName = (typeof SERVICES)[number]['name'];

const repoRoot = path.resolve(__dirname, '..', '..');

/** Where service pid files and logs live, and what environment the processes get. */
export interface ServiceRunOptions {
  /** Default: the repository root. */
  root?: string;
  /** Default: <root>/.stack/services (kept apart from the stack's own pid files). */
  pidDir?: string;
  /** Default: <root>/.stack/logs. */
  logDir?: string;
  /** Extra environment for the started processes. */
  env?: Record<string, string>;
}

function resolved(opts: ServiceRunOptions = {}): {
  root: string;
  pids: PidStore;
  logDir: string;
  env: Record<string, string>;
} {
  const root = opts.root ?? repoRoot;
  return {
    root,
    pids: new PidStore(opts.pidDir ?? path.join(root, '.stack', 'services')),
    logDir: opts.logDir ?? path.join(root, '.stack', 'logs'),
    env: opts.env ?? {},
  };
}

/** The port of a service. */
export function portOf(name: ServiceName): number {
  const s = SERVICES.find((x) => x.name === name);
  if (!s)
    throw new Error(`unknown service "${name}"; expected one of ${SERVICES.map((x) => x.name).join(', ')}`);
  return s.port;
}

/** Parses a service name given on a command line. */
export function parseServiceName(text: string): ServiceName {
  const s = SERVICES.find((x) => x.name === text);
  if (!s)
    throw new Error(`unknown service "${text}"; expected one of ${SERVICES.map((x) => x.name).join(', ')}`);
  return s.name;
}

/** The log file of a service. */
export function serviceLogFile(name: ServiceName, opts?: ServiceRunOptions): string {
  return path.join(resolved(opts).logDir, `${name}.log`);
}

async function get(url: string, timeoutMs = 1500): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/** True when something answers the service's /health on its port (ours or not). */
export async function isAnswering(name: ServiceName): Promise<boolean> {
  return (await get(`http://127.0.0.1:${portOf(name)}/health`))?.status === 200;
}

/** True when the service's /ready says all its dependencies answer. */
export async function isReady(name: ServiceName): Promise<boolean> {
  return (await get(`http://127.0.0.1:${portOf(name)}/ready`))?.status === 200;
}

/** The live pid record of a service this tool started, or undefined. */
export function runningRecord(name: ServiceName, opts?: ServiceRunOptions): PidRecord | undefined {
  const { pids } = resolved(opts);
  const record = pids.read(name);
  if (record && isRecordAlive(record)) return record;
  if (record) pids.remove(name);
  return undefined;
}

/** The last `lines` lines of a service's log (for error messages). */
export function logTail(name: ServiceName, lines = 15, opts?: ServiceRunOptions): string {
  const file = serviceLogFile(name, opts);
  if (!existsSync(file)) return `(no log at ${file})`;
  const size = statSync(file).size;
  const text = readFileSync(file, 'utf8').slice(Math.max(0, size - 64_000));
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Starts a service detached (it outlives this process), logging to .stack/logs/<name>.log and
 * recording its pid. Refuses when its port already answers. Returns the pid.
 */
export async function startService(name: ServiceName, opts?: ServiceRunOptions): Promise<number> {
  const { root, pids, logDir, env } = resolved(opts);
  const entry = path.join('services', name, 'src', 'main.ts');
  if (!existsSync(path.join(root, entry)))
    throw new Error(`${name}: ${entry} does not exist (not built yet?)`);
  const booting = runningRecord(name, opts);
  if (booting)
    throw new Error(
      `${name}: already started (pid ${booting.pid}, since ${booting.startedAt}); wait for it or stop it first`,
    );
  if (await isAnswering(name))
    throw new Error(`${name}: port ${portOf(name)} already answers /health; stop that process first`);
  mkdirSync(logDir, { recursive: true });
  const log = openSync(serviceLogFile(name, opts), 'a');
  // `node --import tsx` (not the tsx wrapper) so the pid is the service itself and signals reach it directly.
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...env, PORT: String(portOf(name)) },
  });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not spawn ${process.execPath}`);
  child.unref();
  pids.write({ component: name, pid, marker: entry, startedAt: new Date().toISOString() });
  return pid;
}

/** Waits until the service answers /ready; fails early with its log tail if the process died. */
export async function waitReady(
  name: ServiceName,
  opts: ServiceRunOptions & { timeoutMs?: number; onWait?: (elapsedMs: number) => void } = {},
): Promise<void> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 180_000;
  for (;;) {
    if (await isReady(name)) return;
    const record = resolved(opts).pids.read(name);
    if (record && !isRecordAlive(record)) {
      throw new Error(
        `${name} exited before it was ready; last lines of ${serviceLogFile(name, opts)}:\n${logTail(name, 15, opts)}`,
      );
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `${name} not ready after ${Math.round(timeoutMs / 1000)} s (GET http://127.0.0.1:${portOf(name)}/ready); last log lines:\n${logTail(name, 15, opts)}`,
      );
    }
    opts.onWait?.(Date.now() - started);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function waitGone(record: PidRecord, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!isRecordAlive(record)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isRecordAlive(record);
}

/**
 * Stops a service this tool started: SIGTERM (graceful: it finishes in-flight work), SIGKILL after
 * `timeoutMs`. Returns false when there was nothing of ours to stop.
 */
export async function stopService(
  name: ServiceName,
  opts: ServiceRunOptions & { timeoutMs?: number } = {},
): Promise<boolean> {
  const record = runningRecord(name, opts);
  if (!record) return false;
  process.kill(record.pid, 'SIGTERM');
  if (!(await waitGone(record, opts.timeoutMs ?? 20_000))) {
    process.kill(record.pid, 'SIGKILL');
    await waitGone(record, 5000);
  }
  resolved(opts).pids.remove(name);
  return true;
}

/** Kills a service this tool started with SIGKILL (no cleanup: what a crash looks like). */
export async function killService(name: ServiceName, opts?: ServiceRunOptions): Promise<boolean> {
  const record = runningRecord(name, opts);
  if (!record) return false;
  process.kill(record.pid, 'SIGKILL');
  await waitGone(record, 5000);
  resolved(opts).pids.remove(name);
  return true;
}
