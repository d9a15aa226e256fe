// CPU accounting from /proc (Linux): which processes a benchmark window kept busy, in cores
// (CPU-seconds per wall-second), so "what bounds the saga" is a measurement, not a guess.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** A named group of processes whose CPU time is summed (e.g. one service, or every postgres backend). */
export interface ProcessGroup {
  name: string;
  /** Picks the group's processes by pid and command line. */
  match: (pid: number, cmdline: string) => boolean;
}

/** CPU ticks per group and of the whole machine at one instant. */
export interface CpuSnapshot {
  at: number;
  /** group → pid → ticks (per pid, so processes that start or end in between never count negative). */
  groups: Record<string, Map<number, number>>;
  machineBusy: number;
  machineTotal: number;
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised comm (which may contain spaces): utime is the 14th field, stime the 15th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return 0; // the process ended between listing and reading
  }
}

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Reads every group's CPU ticks and the machine's busy/total ticks now. */
export function snapshot(groups: readonly ProcessGroup[]): CpuSnapshot {
  const sums: Record<string, Map<number, number>> = Object.fromEntries(
    groups.map((g) => [g.name, new Map<number, number>()]),
  );
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const cmd = cmdlineOf(pid);
    const group = groups.find((g) => g.match(pid, cmd));
    if (group) sums[group.name]?.set(pid, processTicks(pid));
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  return { at: Date.now(), groups: sums, machineBusy: total - idle, machineTotal: total };
}

/** Cores used per group between two snapshots, plus the whole machine's busy cores and its core count. */
export function coresBetween(
  a: CpuSnapshot,
  b: CpuSnapshot,
  cores: number,
): { groups: Record<string, number>; machine: number } {
  const wall = (b.at - a.at) / 1000;
  const groups: Record<string, number> = {};
  let accounted = 0;
  for (const [name, pids] of Object.entries(b.groups)) {
    let ticks = 0;
    // A process born in between counts from zero; one that died in between is lost (an undercount).
    for (const [pid, t] of pids) ticks += Math.max(0, t - (a.groups[name]?.get(pid) ?? 0));
    accounted += ticks;
    groups[name] = round2(ticks / TICKS_PER_SECOND / wall);
  }
  const machine = round2(
    ((b.machineBusy - a.machineBusy) / Math.max(1, b.machineTotal - a.machineTotal)) * cores,
  );
  groups['everything else'] = round2(Math.max(0, machine - accounted / TICKS_PER_SECOND / wall));
  return { groups, machine };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
