// The four Orderflow services as local processes: start detached (pid file + log under .stack/), wait
// for /ready, stop gracefully (SIGTERM, then SIGKILL after a timeout) or kill (SIGKILL, for fault tests).
// Used by `npm start` / `npm stop` / `npm run services`, and by the e2e harness.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { devJwksDir, devTokenMinter } from '@orderflow/platform';
import { buildService, compiledEntry } from './build';
import { isRecordAlive, PidStore, type PidRecord } from './pid-files';

/** The services, in saga order, with the fixed ports of their first instance. */
export const SERVICES = [
  { name: 'order', port: 8001 },
  { name: 'payment', port: 8002 },
  { name: 'inventory', port: 8003 },
  { name: 'notification', port: 8004 },
] as const;

/** One of the four services. */
export type ServiceName = (typeof SERVICES)[number]['name'];

/**
 * The saga console (services/console): started and stopped with the services by `npm start`/`npm stop`
 * and `npm run services -- console up|down`, but not one of SERVICES (it runs no saga step, and the
 * tests that iterate over the services leave it alone).
 */
export const CONSOLE = { name: 'console', port: 8005 } as const;

/** A process this tool starts: a service or the console. */
export type ProcessName = ServiceName | typeof CONSOLE.name;

/** Instance i (0-based) of a service listens on its port + i × 100: order 8001, 8101, 8201… */
export const REPLICA_PORT_STEP = 100;
/** The most instances per service `--replicas` starts (the ports must not reach the next block). */
export const MAX_REPLICAS = 9;

/** Parses `--replicas N` (1-9). */
export function parseReplicas(text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_REPLICAS)
    throw new Error(`--replicas takes a number from 1 to ${MAX_REPLICAS}, got ${JSON.stringify(text ?? '')}`);
  return Number(text);
}

/** The pid-file and log name of instance i: `order` for the first, `order-2`, `order-3`… for the others. */
export function instanceName(name: ProcessName, instance = 0): string {
  return instance === 0 ? name : `${name}-${instance + 1}`;
}

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
  /** Which instance of the service (0-based, default 0); see REPLICA_PORT_STEP. */
  instance?: number;
}

function resolved(opts: ServiceRunOptions = {}): {
  root: string;
  pids: PidStore;
  logDir: string;
  env: Record<string, string>;
  instance: number;
} {
  const root = opts.root ?? repoRoot;
  // Beside the stack's own files: a second stack (ORDERFLOW_STACK_DIR) keeps its services apart too.
  const stackDir =
    opts.root === undefined && process.env['ORDERFLOW_STACK_DIR']
      ? path.resolve(process.env['ORDERFLOW_STACK_DIR'])
      : path.join(root, '.stack');
  return {
    root,
    instance: opts.instance ?? 0,
    pids: new PidStore(opts.pidDir ?? path.join(stackDir, 'services')),
    logDir: opts.logDir ?? path.join(stackDir, 'logs'),
    env: opts.env ?? {},
  };
}

/** ORDERFLOW_SERVICES_PORT_OFFSET moves every service port (a second set beside the usual one, e.g. for tests). */
function portOffset(): number {
  const raw = process.env['ORDERFLOW_SERVICES_PORT_OFFSET'] ?? '0';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 50_000)
    throw new Error(`ORDERFLOW_SERVICES_PORT_OFFSET must be an integer 0-50000, got ${JSON.stringify(raw)}`);
  return n;
}

/** The port of a service's instance (the first by default): its fixed port + 100 × instance. */
export function portOf(name: ProcessName, instance = 0): number {
  const s = [...SERVICES, CONSOLE].find((x) => x.name === name);
  if (!s)
    throw new Error(`unknown service "${name}"; expected one of ${SERVICES.map((x) => x.name).join(', ')}`);
  return s.port + instance * REPLICA_PORT_STEP + portOffset();
}

/** Parses a service name given on a command line. */
export function parseServiceName(text: string): ServiceName {
  const s = SERVICES.find((x) => x.name === text);
  if (!s)
    throw new Error(`unknown service "${text}"; expected one of ${SERVICES.map((x) => x.name).join(', ')}`);
  return s.name;
}

/** The log file of a service. */
export function serviceLogFile(name: ProcessName, opts?: ServiceRunOptions): string {
  const r = resolved(opts);
  return path.join(r.logDir, `${instanceName(name, r.instance)}.log`);
}

let operator: Promise<string> | undefined;

/**
 * The bearer token the tool sends to /ready (an operator route): ORDERFLOW_OPERATOR_TOKEN when set (for
 * services that trust another issuer), else one from the development issuer, minted once per process.
 */
export function operatorToken(): Promise<string> {
  const given = process.env['ORDERFLOW_OPERATOR_TOKEN'];
  if (given) return Promise.resolve(given);
  operator ??= devTokenMinter(devJwksDir(resolved().root, process.env)).then((mint) =>
    mint({ subject: 'orderflow-stack', scopes: ['operator'], ttlSeconds: 12 * 3600 }),
  );
  return operator;
}

async function get(
  url: string,
  timeoutMs = 1500,
  token?: string,
): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
    });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

/** True when something answers the service's /health on its (instance's) port (ours or not). */
export async function isAnswering(name: ProcessName, instance = 0): Promise<boolean> {
  return (await get(`http://127.0.0.1:${portOf(name, instance)}/health`))?.status === 200;
}

/** True when the service's /ready says all its dependencies answer. */
export async function isReady(name: ProcessName, instance = 0): Promise<boolean> {
  return (
    (await get(`http://127.0.0.1:${portOf(name, instance)}/ready`, 1500, await operatorToken()))?.status ===
    200
  );
}

/** The live pid record of a service (instance) this tool started, or undefined. */
export function runningRecord(name: ProcessName, opts?: ServiceRunOptions): PidRecord | undefined {
  const { pids, instance } = resolved(opts);
  const id = instanceName(name, instance);
  const record = pids.read(id);
  if (record && isRecordAlive(record)) return record;
  if (record) pids.remove(id);
  return undefined;
}

/** The instances (0-based) of a service that have a pid file: what `stop` and `status` must cover. */
export function recordedInstances(name: ProcessName, opts?: ServiceRunOptions): number[] {
  const { pids } = resolved(opts);
  const found = new Set<number>();
  for (const record of pids.list()) {
    if (record.component === name) found.add(0);
    const m = /^(.+)-(\d+)$/.exec(record.component);
    if (m !== null && m[1] === name && Number(m[2]) >= 2) found.add(Number(m[2]) - 1);
  }
  return [...found].sort((a, b) => a - b);
}

/** The last `lines` lines of a service's log (for error messages). */
export function logTail(name: ProcessName, lines = 15, opts?: ServiceRunOptions): string {
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
export async function startService(name: ProcessName, opts?: ServiceRunOptions): Promise<number> {
  const { root, pids, logDir, env, instance } = resolved(opts);
  const id = instanceName(name, instance);
  const port = portOf(name, instance);
  const source = path.join('services', name, 'src', 'main.ts');
  if (!existsSync(path.join(root, source))) throw new Error(`${name}: ${source} does not exist`);
  const entry = compiledEntry(name);
  const booting = runningRecord(name, opts);
  if (booting)
    throw new Error(
      `${id}: already started (pid ${booting.pid}, since ${booting.startedAt}); wait for it or stop it first`,
    );
  if (await isAnswering(name, instance))
    throw new Error(`${id}: port ${port} already answers /health; stop that process first`);
  // Compiled from the current sources at every start (esbuild, 0.1-0.3 s): a service never runs stale code.
  await buildService(root, name).catch((err: unknown) => {
    throw new Error(
      `${name}: its sources do not compile:\n${err instanceof Error ? err.message : String(err)}`,
    );
  });
  mkdirSync(logDir, { recursive: true });
  const log = openSync(serviceLogFile(name, opts), 'a');
  // `node` on the compiled file, so the pid is the service itself and signals reach it directly.
  // ORDERFLOW_PROFILE_DIR=<dir>: each service writes a V8 CPU profile to <dir>/<instance> when it
  // stops (`--cpu-prof` is refused in NODE_OPTIONS, so this is the way to profile a started service).
  const profileDir = process.env['ORDERFLOW_PROFILE_DIR'];
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir, id)}`] : [];
  const child = spawn(process.execPath, [...profile, '--enable-source-maps', entry], {
    cwd: root,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...env, PORT: String(port) },
  });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not spawn ${process.execPath}`);
  child.unref();
  pids.write({ component: id, pid, marker: entry, startedAt: new Date().toISOString() });
  return pid;
}

/** Waits until the service answers /ready; fails early with its log tail if the process died. */
export async function waitReady(
  name: ProcessName,
  opts: ServiceRunOptions & { timeoutMs?: number; onWait?: (elapsedMs: number) => void } = {},
): Promise<void> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const { instance, pids } = resolved(opts);
  for (;;) {
    if (await isReady(name, instance)) return;
    const record = pids.read(instanceName(name, instance));
    if (record && !isRecordAlive(record)) {
      throw new Error(
        `${instanceName(name, instance)} exited before it was ready; last lines of ${serviceLogFile(name, opts)}:\n${logTail(name, 15, opts)}`,
      );
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `${instanceName(name, instance)} not ready after ${Math.round(timeoutMs / 1000)} s (GET http://127.0.0.1:${portOf(name, instance)}/ready); last log lines:\n${logTail(name, 15, opts)}`,
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
  name: ProcessName,
  opts: ServiceRunOptions & { timeoutMs?: number } = {},
): Promise<boolean> {
  const record = runningRecord(name, opts);
  if (!record) return false;
  process.kill(record.pid, 'SIGTERM');
  if (!(await waitGone(record, opts.timeoutMs ?? 20_000))) {
    process.kill(record.pid, 'SIGKILL');
    await waitGone(record, 5000);
  }
  resolved(opts).pids.remove(record.component);
  return true;
}

/** Kills a service this tool started with SIGKILL (no cleanup: what a crash looks like). */
export async function killService(name: ProcessName, opts?: ServiceRunOptions): Promise<boolean> {
  const record = runningRecord(name, opts);
  if (!record) return false;
  process.kill(record.pid, 'SIGKILL');
  await waitGone(record, 5000);
  resolved(opts).pids.remove(record.component);
  return true;
}
