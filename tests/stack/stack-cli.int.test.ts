import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function stack(...args: string[]): { code: number | null; out: string } {
  const r = spawnSync('npx', ['tsx', 'stack/src/cli.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The pid column of the status table, per component. */
function pids(table: string): Map<string, string> {
  const rows = table.split('\n').filter((l) => /^(zookeeper|kafka|registry) /.test(l));
  return new Map(rows.map((l) => l.split('|').map((c) => c.trim())).map((c) => [c[0] ?? '', c[3] ?? '']));
}

// The CLI itself against the running stack (it must already be up: this suite never stops it).
// Timeouts are per test: Jest ignores testTimeout inside a project's config.
describe('npm run stack', () => {
  test('status reports every component healthy with its log, and exits 0', () => {
    const { code, out } = stack('status');
    expect(out).toMatch(/component\s+\| status/);
    for (const c of ['zookeeper', 'kafka', 'registry'])
      expect(out).toMatch(new RegExp(`^${c}\\s+\\| up\\s+\\|.*\\.stack/logs/${c}\\.log`, 'm'));
    expect(out).toMatch(/^postgres\s+\| up/m);
    expect(out).toMatch(/^redis\s+\| up/m);
    expect(code).toBe(0);
  }, 30_000);

  test('a second up downloads nothing, restarts nothing, and exits 0', () => {
    const before = pids(stack('status').out);
    const { code, out } = stack('up');
    expect(out).toContain('jars: cached');
    expect(out).toMatch(/Apicurio Registry [\d.]+: cached/);
    expect(out).toMatch(/kafka \(already running, pid \d+\)/);
    expect(code).toBe(0);
    expect(pids(stack('status').out)).toEqual(before);
  }, 120_000);

  test('an unknown command is a usage error, not a stack trace', () => {
    const { code, out } = stack('start');
    expect(code).toBe(1);
    expect(out).toContain('unknown command "start"');
    expect(out).toContain('usage: npm run stack');
    expect(out).not.toMatch(/at .*\.ts:\d+/);
  }, 30_000);
});
