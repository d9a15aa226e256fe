// A second, isolated stack for e2e tests that start, kill and stop JVMs: its own temp folder, ports and
// registry database, the shared download cache. The shared stack on the standard ports is never touched.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { postgresDatabaseUrl } from '@orderflow/platform/postgres';

const root = path.resolve(__dirname, '..', '..');

/** Ports of a scratch stack; broker i listens on `kafka + i`. */
export interface ScratchPorts {
  readonly zookeeper: number;
  readonly kafka: number;
  readonly registry: number;
  readonly registryManagement: number;
}

/** A scratch stack: run its CLI, find its processes, clean up after a failed run. */
export class ScratchStack {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly name: string,
    readonly ports: ScratchPorts,
  ) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), `orderflow-${name}-`));
    this.env = {
      ...process.env,
      ORDERFLOW_STACK_DIR: this.dir,
      ORDERFLOW_STACK_CACHE_DIR: path.join(root, '.stack'),
      ORDERFLOW_STACK_PORTS: Object.entries(ports)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      ORDERFLOW_REGISTRY_DATABASE: this.registryDatabase,
    };
  }

  /** Every port of this stack, broker 0's included (not the other brokers'). */
  get portList(): number[] {
    const { zookeeper, kafka, registry, registryManagement } = this.ports;
    return [zookeeper, kafka, registry, registryManagement];
  }

  get registryDatabase(): string {
    return `orderflow_registry_${this.name.replace(/\W/g, '_')}_test`;
  }

  /** Runs `npm run stack -- <args>` against this stack. */
  cli(...args: string[]): { code: number | null; out: string; ms: number } {
    const t0 = Date.now();
    const r = spawnSync('npx', ['tsx', 'stack/src/cli.ts', ...args], {
      cwd: root,
      env: this.env,
      encoding: 'utf8',
      timeout: 240_000,
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}`, ms: Date.now() - t0 };
  }

  /** The pid recorded for a component (`kafka`, `kafka-1`, …). */
  pidOf(component: string): number {
    const record = JSON.parse(readFileSync(path.join(this.dir, 'pids', `${component}.json`), 'utf8')) as {
      pid: number;
    };
    return record.pid;
  }

  /** Pids of processes whose command line names this stack's folder (its JVMs). */
  processes(): number[] {
    const found: number[] = [];
    for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        continue;
      }
      if (cmd.includes(`-Dorderflow.stack.dir=${this.dir} `)) found.push(Number(entry));
    }
    return found;
  }

  /** Safety net for a failed run: SIGKILL only this stack's processes, drop its database and folder. */
  async destroy(): Promise<void> {
    for (const pid of this.processes()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const pg = new Client({ connectionString: postgresDatabaseUrl('postgres') });
    await pg.connect();
    await pg.query(`drop database if exists ${this.registryDatabase} with (force)`);
    await pg.end();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** True when something accepts connections on the port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Waits until a pid is gone (SIGKILL is asynchronous). */
export async function waitGone(pid: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > end) throw new Error(`pid ${pid} still alive after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
