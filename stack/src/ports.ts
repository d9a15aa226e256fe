// Who listens on a port: parsed from /proc/net/tcp{,6} and /proc/<pid>/fd (Linux), so `up` can
// name the process in the way instead of failing later with "address already in use".
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';

/** A listening TCP socket from /proc/net/tcp. */
export interface Listener {
  readonly port: number;
  readonly inode: number;
}

/** Parses /proc/net/tcp or /proc/net/tcp6 text into its LISTEN sockets. */
export function parseProcNetTcp(text: string): Listener[] {
  const listeners: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    const local = cols[1];
    const state = cols[3];
    const inode = cols[9];
    if (local === undefined || state !== '0A' || inode === undefined) continue;
    const portHex = local.split(':')[1];
    if (portHex === undefined) continue;
    listeners.push({ port: parseInt(portHex, 16), inode: Number(inode) });
  }
  return listeners;
}

/** Extracts the socket inode from an fd link target such as "socket:[12345]". */
export function socketInode(linkTarget: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(linkTarget);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** The process owning a port, as far as /proc tells. */
export interface PortOwner {
  readonly port: number;
  readonly pid?: number;
  readonly command?: string;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The command line of a process, NUL separators turned into spaces; undefined when it is gone. */
export function commandLineOf(pid: number): string | undefined {
  const raw = readOrEmpty(`/proc/${pid}/cmdline`);
  return raw === '' ? undefined : raw.replace(/\0+$/, '').split('\0').join(' ');
}

function pidOwningInode(inode: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // not ours to read, or gone
    }
    for (const fd of fds) {
      try {
        if (socketInode(readlinkSync(`/proc/${entry}/fd/${fd}`)) === inode) return Number(entry);
      } catch {
        // fd closed while scanning
      }
    }
  }
  return undefined;
}

/** Finds who listens on a TCP port; undefined when nobody does. */
export async function findPortOwner(port: number): Promise<PortOwner | undefined> {
  const listeners = [
    ...parseProcNetTcp(readOrEmpty('/proc/net/tcp')),
    ...parseProcNetTcp(readOrEmpty('/proc/net/tcp6')),
  ];
  const match = listeners.find((l) => l.port === port);
  if (match === undefined) {
    // Without /proc (not Linux) fall back to trying to connect.
    return (await isPortOpen(port)) ? { port } : undefined;
  }
  const pid = match.inode > 0 ? pidOwningInode(match.inode) : undefined;
  if (pid === undefined) return { port };
  const command = commandLineOf(pid);
  return command === undefined ? { port, pid } : { port, pid, command };
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isPortOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The message `up` prints when a port it needs is taken by a process it did not start. */
export function describePortConflict(component: string, owner: PortOwner): string {
  const who =
    owner.pid === undefined
      ? 'another process (its pid is not visible; try `ss -ltnp`)'
      : `pid ${owner.pid}${owner.command === undefined ? '' : ` (${truncate(owner.command, 120)})`}`;
  const stackDir = /-Dorderflow\.stack\.dir=(\S+)/.exec(owner.command ?? '')?.[1];
  if (owner.command?.includes('-Dorderflow.stack=') === true) {
    return (
      `Port ${owner.port} (${component}) is taken by ${who}, an Orderflow stack started from ${stackDir === undefined ? 'another checkout' : stackDir}. ` +
      `Use that stack, or stop it first with \`npm run stack -- down\` in the checkout that started it${owner.pid === undefined ? '' : ` (or \`kill ${owner.pid}\`)`}.`
    );
  }
  return (
    `Port ${owner.port} (${component}) is taken by ${who}. ` +
    `Stop that process (e.g. \`kill ${owner.pid ?? '<pid>'}\` if it is yours, or \`npm run stack -- down\` if it is a stack from another checkout), then run \`npm run stack -- up\` again.`
  );
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
