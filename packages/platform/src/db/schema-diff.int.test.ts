import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

jest.setTimeout(90_000);

const ROOT = resolve(__dirname, '../../../..');
// The engine is an ES module with a .wasm import, which jest's CommonJS runtime cannot load: run the CLI.
const dbCli = (...args: string[]): Promise<{ stdout: string }> =>
  promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'packages/platform/src/db/cli.ts'), ...args],
    { cwd: ROOT },
  );

describe('npm run db -- diff (Prisma schema engine, WebAssembly, offline)', () => {
  const schemaPath = join(ROOT, 'prisma/notification/schema.prisma');

  it('generates a service schema from an empty database, with the outbox and inbox every service has', async () => {
    const { stdout } = await dbCli('diff', 'notification', '--from-empty');
    expect(stdout).toContain('CREATE TABLE "notifications"');
    expect(stdout).toContain('CREATE TABLE "outbox"');
    expect(stdout).toContain('CONSTRAINT "inbox_pkey" PRIMARY KEY ("consumer","event_id")');
    expect(stdout).toContain('CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")');
  });

  it('generates only the change between two schemas', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orderflow-diff-'));
    try {
      // "Before" had one more model; the working schema dropped it.
      const before = join(dir, 'before.prisma');
      writeFileSync(
        before,
        `${readFileSync(schemaPath, 'utf8')}\nmodel Scratch {\n  id Int @id\n  @@map("scratch")\n}\n`,
      );
      const { stdout } = await dbCli('diff', 'notification', '--from', before);
      expect(stdout.trim()).toBe('-- DropTable\nDROP TABLE "scratch";');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
