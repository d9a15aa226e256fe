import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { postgresDatabaseUrl } from '@orderflow/platform/postgres';

// The whole lifecycle on a second, isolated stack (its own folder, ports and registry database, the
// shared download cache), so the shared stack on the standard ports is never touched:
// cold `up --fresh` → `status` → idempotent `up` → `down` leaves none of its processes → `status` fails.

const root = path.resolve(__dirname, '..', '..');
const stackDir = mkdtempSync(path.join(os.tmpdir(), 'orderflow-lifecycle-'));
const ports = { zookeeper: 12181, kafka: 19092, registry: 18081, registryManagement: 18091, redis: 16379 };
const registryDatabase = 'orderflow_registry_lifecycle_test';
const env = {
  ...process.env,
  ORDERFLOW_STACK_DIR: stackDir,
  ORDERFLOW_STACK_CACHE_DIR: path.join(root, '.stack'),
  ORDERFLOW_STACK_PORTS: Object.entries(ports)
    .map(([k, v]) => `${k}=${v}`)
    .join(','),
  ORDERFLOW_REGISTRY_DATABASE: registryDatabase,
};

function stack(...args: string[]): { code: number | null; out: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync('npx', ['tsx', 'stack/src/cli.ts', ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 170_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, ms: Date.now() - t0 };
}

/** Pids of processes whose command line names this test's stack folder (our JVMs) or its Redis port. */
function leftovers(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (
      cmd.includes(`-Dorderflow.stack.dir=${stackDir}`) ||
      cmd.includes(`redis-server 127.0.0.1:${ports.redis}`)
    )
      found.push(Number(entry));
  }
  return found;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

afterAll(async () => {
  // Safety net for a failed run: stop only this test's processes, then forget its data.
  for (const pid of leftovers()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const pg = new Client({ connectionString: postgresDatabaseUrl('postgres') });
  await pg.connect();
  await pg.query(`drop database if exists ${registryDatabase} with (force)`);
  await pg.end();
  rmSync(stackDir, { recursive: true, force: true });
});

test('up --fresh, status, up again, down: everything up within 90 s, and nothing left after down', async () => {
  for (const port of Object.values(ports)) expect(await portOpen(port)).toBe(false);

  const cold = stack('up', '--fresh');
  expect(cold.out).toMatch(/^kafka\s+\| up\s+\| localhost:19092/m);
  expect(cold.out).toMatch(/^registry\s+\| up\s+\| http:\/\/localhost:18081\/apis\/ccompat\/v7/m);
  // Redis on this port was "installed but not running": up starts it and says so.
  expect(cold.out).toMatch(/^redis\s+\| up \(started by stack\)/m);
  expect(cold.code).toBe(0);
  expect(cold.ms).toBeLessThan(90_000);
  // The measured figure, with each step's time, for whoever reads the test output.
  const steps = cold.out.split('\n').filter((l) => /^✓ (zookeeper|kafka|registry|topics)|^up in/.test(l));
  console.log(`lifecycle: cold start (jars cached, empty data)\n${steps.join('\n')}`);

  const status = stack('status');
  expect(status.code).toBe(0);

  const again = stack('up');
  expect(again.out).toMatch(/zookeeper \(already running/);
  expect(again.out).toMatch(/registry \(already running/);
  expect(again.code).toBe(0);

  expect(leftovers().length).toBeGreaterThanOrEqual(4);
  const down = stack('down');
  expect(down.code).toBe(0);
  expect(leftovers()).toEqual([]);
  for (const port of Object.values(ports)) expect(await portOpen(port)).toBe(false);
  expect(readdirSync(path.join(stackDir, 'pids')).filter((f) => f.endsWith('.json'))).toEqual([]);

  const after = stack('status');
  expect(after.code).toBe(1);
  expect(after.out).toMatch(/^kafka\s+\| down/m);
}, 300_000); // Jest ignores a project's testTimeout; this test runs the CLI five times.
