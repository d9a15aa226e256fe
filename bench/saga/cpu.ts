// CPU accounting from /proc (Linux): CPU time per component of the saga (each service, PostgreSQL
// per database, Kafka, the registry, Redis, the generator itself) and of the whole machine (busy,
// steal), sampled every few seconds so connections that come and go are counted while they live.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime/stime (USER_HZ; 100 on every Linux we run on). */
export const TICKS_PER_SECOND = 100;

/** utime+stime and start time (ticks) of one /proc/<pid>/stat line; undefined when unreadable. */
export function parseProcStat(stat: string): { ticks: number; start: number } | undefined {
  // Fields after the parenthesised comm (which may contain spaces and parentheses): utime is the 14th
  // field of the line, stime the 15th, starttime the 22nd.
  const close = stat.lastIndexOf(')');
  if (close === -1) return undefined;
  const rest = stat.slice(close + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const start = Number(rest[19]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return { ticks: utime + stime, start };
}

/** The machine's counters from /proc/stat's first line. */
export interface MachineTicks {
  busy: number;
  steal: number;
  total: number;
}

/** Parses the aggregate `cpu` line of /proc/stat: busy excludes idle, iowait and steal. */
export function parseCpuLine(line: string): MachineTicks {
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  return {
    busy: user + nice + system + irq + softirq,
    steal,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
}

/** Names the component a process belongs to, or undefined to ignore it. */
export type Classifier = (pid: number, cmdline: string) => string | undefined;

/** CPU ticks per pid (with the component it was counted under) and the machine's counters, at one instant. */
export interface CpuSnapshot {
  at: number;
  pids: Map<number, { component: string; ticks: number; start: number }>;
  machine: MachineTicks;
}

/** Per-component ticks between two snapshots; a pid counts only when both saw the same process. */
export function tickDeltas(a: CpuSnapshot, b: CpuSnapshot): Map<string, number> {
  const out = new Map<string, number>();
  for (const [pid, now] of b.pids) {
    const before = a.pids.get(pid);
    // A process born between the two snapshots counts from zero only if it started after `a`; a pid
    // reused by another process (different start time) counts from zero too.
    const base = before !== undefined && before.start === now.start ? before.ticks : 0;
    const d = Math.max(0, now.ticks - base);
    if (d > 0 || !out.has(now.component)) out.set(now.component, (out.get(now.component) ?? 0) + d);
  }
  return out;
}

const cmdlineCache = new Map<string, string>();

function cmdlineOf(pid: number, start: number): string {
  const key = `${pid}:${start}`;
  const cached = cmdlineCache.get(key);
  if (cached !== undefined) return cached;
  let cmd = '';
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    // ended between listing and reading
  }
  cmdlineCache.set(key, cmd);
  return cmd;
}

/** Reads every classified process's ticks and the machine's counters now. */
export function snapshot(classify: Classifier): CpuSnapshot {
  const pids = new Map<number, { component: string; ticks: number; start: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const parsed = parseProcStat(stat);
    if (!parsed) continue;
    const component = classify(pid, cmdlineOf(pid, parsed.start));
    if (component !== undefined) pids.set(pid, { component, ...parsed });
  }
  const machine = parseCpuLine(readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? 'cpu');
  return { at: performance.now(), pids, machine };
}

/** CPU totals of a window: seconds per component and of the machine. */
export interface CpuWindow {
  wallSeconds: number;
  /** CPU-seconds per component. */
  components: Record<string, number>;
  /** Machine CPU-seconds busy (all cores, steal excluded) and stolen. */
  machineBusySeconds: number;
  machineStealSeconds: number;
  /** The machine's busy share of its cores (0–1) and its steal share. */
  busyShare: number;
  stealShare: number;
}

/** Accumulates CPU per component over windows, from snapshots taken by `sample()`. */
export class CpuMeter {
  private last: CpuSnapshot | undefined;
  private readonly open = new Set<{ acc: Map<string, number>; first: CpuSnapshot }>();

  constructor(private readonly classify: () => Classifier) {}

  /** Takes a snapshot and adds its deltas to every open window. */
  sample(): CpuSnapshot {
    const snap = snapshot(this.classify());
    if (this.last) {
      const d = tickDeltas(this.last, snap);
      for (const w of this.open) for (const [c, t] of d) w.acc.set(c, (w.acc.get(c) ?? 0) + t);
    }
    this.last = snap;
    return snap;
  }

  /** Opens a window now; `end` closes it. */
  begin(): { acc: Map<string, number>; first: CpuSnapshot } {
    const first = this.sample();
    const w = { acc: new Map<string, number>(), first };
    this.open.add(w);
    return w;
  }

  /** Closes a window (after one last sample) and returns its totals. */
  end(w: { acc: Map<string, number>; first: CpuSnapshot }): CpuWindow {
    const lastSnap = this.sample();
    this.open.delete(w);
    const total = Math.max(1, lastSnap.machine.total - w.first.machine.total);
    const busy = lastSnap.machine.busy - w.first.machine.busy;
    const steal = lastSnap.machine.steal - w.first.machine.steal;
    return {
      wallSeconds: (lastSnap.at - w.first.at) / 1000,
      components: Object.fromEntries(
        [...w.acc].map(([c, t]) => [c, Math.round((t / TICKS_PER_SECOND) * 1000) / 1000]),
      ),
      machineBusySeconds: busy / TICKS_PER_SECOND,
      machineStealSeconds: steal / TICKS_PER_SECOND,
      busyShare: Math.round((busy / total) * 1000) / 1000,
      stealShare: Math.round((steal / total) * 1000) / 1000,
    };
  }
}
