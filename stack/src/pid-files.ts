// What `up` started, recorded so `down` stops exactly that and nothing else (not the machine's
// PostgreSQL or Redis when they were already running, not another engineer's java process).
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commandLineOf } from './ports';

/** One started process. `marker` is a string its command line must contain, so a reused pid is not mistaken for ours. */
export interface PidRecord {
  readonly component: string;
  readonly pid: number;
  readonly marker: string;
  readonly startedAt: string;
  /** For machine services started through their own tooling: the command that stops them again. */
  readonly stopCommand?: readonly string[];
}

/** Parses a pid file's JSON text; throws naming the file when it is not a pid record. */
export function parsePidRecord(text: string, file: string): PidRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${file}: not JSON`);
  }
  if (typeof value !== 'object' || value === null) throw new Error(`${file}: not an object`);
  const v = value as Record<string, unknown>;
  if (typeof v['component'] !== 'string') throw new Error(`${file}: "component" must be a string`);
  if (typeof v['pid'] !== 'number' || !Number.isInteger(v['pid']) || v['pid'] <= 0)
    throw new Error(`${file}: "pid" must be a positive integer`);
  if (typeof v['marker'] !== 'string') throw new Error(`${file}: "marker" must be a string`);
  if (typeof v['startedAt'] !== 'string') throw new Error(`${file}: "startedAt" must be a string`);
  const stop = v['stopCommand'];
  if (stop !== undefined && !(Array.isArray(stop) && stop.every((s) => typeof s === 'string')))
    throw new Error(`${file}: "stopCommand" must be an array of strings`);
  const record: PidRecord = {
    component: v['component'],
    pid: v['pid'],
    marker: v['marker'],
    startedAt: v['startedAt'],
  };
  return stop === undefined ? record : { ...record, stopCommand: stop };
}

/** True when a process with this pid exists and is not a zombie (signal 0 probes without sending anything). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return processState(pid) !== 'Z';
}

/** The state letter from /proc/<pid>/stat (R, S, Z, …), or undefined without /proc. */
export function processState(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name in parentheses may contain spaces; the state follows the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || undefined;
}

/** True when the recorded process is still running and is the one we started (marker in its command line). */
export function isRecordAlive(
  record: PidRecord,
  readCommandLine: (pid: number) => string | undefined = commandLineOf,
): boolean {
  if (!pidExists(record.pid)) return false;
  const cmd = readCommandLine(record.pid);
  // Zombies have an empty cmdline; treat them as gone.
  return cmd !== undefined && cmd.includes(record.marker);
}

/** Reads and writes pid records under one directory (one `<component>.json` each). */
export class PidStore {
  constructor(private readonly dir: string) {}

  /** The file a component's record lives in. */
  fileOf(component: string): string {
    return path.join(this.dir, `${component}.json`);
  }

  /** Writes atomically (temp file + rename) so a crash never leaves half a record. */
  write(record: PidRecord): void {
    mkdirSync(this.dir, { recursive: true });
    const file = this.fileOf(record.component);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(tmp, file);
  }

  /** The record of a component, or undefined when there is none. */
  read(component: string): PidRecord | undefined {
    const file = this.fileOf(component);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    return parsePidRecord(text, file);
  }

  /** Every record in the directory. */
  list(): PidRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => parsePidRecord(readFileSync(path.join(this.dir, n), 'utf8'), path.join(this.dir, n)));
  }

  /** Forgets a component's record. */
  remove(component: string): void {
    rmSync(this.fileOf(component), { force: true });
  }
}
