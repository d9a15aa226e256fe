import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { dropDatabase } from '../test-support';
import { MigrationError, applyMigrations, migrationChecksum } from './migrate';
import { postgresDatabaseUrl } from '../postgres-server';

const ROOT = resolve(__dirname, '../../../..');
const database = `orderflow_scratch_migrate_${process.pid}`;
const url = postgresDatabaseUrl(database);

async function query<R extends pg.QueryResultRow>(sql: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(sql)).rows;
  } finally {
    await c.end();
  }
}

describe('applyMigrations (real PostgreSQL, scratch database)', () => {
  let dir: string;
  const lines: string[] = [];
  const log = (l: string): void => void lines.push(l);

  beforeAll(async () => {
    await dropDatabase(database);
    dir = mkdtempSync(join(tmpdir(), 'orderflow-migrations-'));
    cpSync(join(ROOT, 'prisma/inventory/migrations'), dir, { recursive: true });
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase(database);
  });

  it('creates the database, applies every migration with its Prisma bookkeeping row, and enforces the CHECK', async () => {
    const result = await applyMigrations({ databaseUrl: url, migrationsDir: dir, log });
    expect(result.createdDatabase).toBe(true);
    expect(result.applied).toEqual(onDisk(dir));
    const rows = await query<{
      migration_name: string;
      checksum: string;
      applied_steps_count: number;
      finished_at: Date | null;
    }>(
      'SELECT migration_name, checksum, applied_steps_count, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows).toEqual(
      onDisk(dir).map((name) => ({
        migration_name: name,
        checksum: migrationChecksum(readFileSync(join(dir, name, 'migration.sql'))),
        applied_steps_count: 1,
        finished_at: expect.any(Date) as unknown,
      })),
    );
    const tables = (
      await query<{ tablename: string }>(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
      )
    ).map((r) => r.tablename);
    expect(tables).toEqual(
      expect.arrayContaining(['_prisma_migrations', 'inbox', 'outbox', 'reservations', 'stock']),
    );
    await expect(
      query(`INSERT INTO stock (sku, available, updated_at) VALUES ('SKU-1', -1, now())`),
    ).rejects.toThrow(/stock_available_non_negative/);
    expect(lines).toContain(`created database ${database}`);
  });

  it('is a no-op the second time', async () => {
    const result = await applyMigrations({ databaseUrl: url, migrationsDir: dir, log });
    expect(result).toMatchObject({ createdDatabase: false, applied: [], alreadyApplied: onDisk(dir) });
    expect(await query('SELECT 1 FROM "_prisma_migrations"')).toHaveLength(onDisk(dir).length);
  });

  it('applies a new migration, and rolls back a failing one leaving no row', async () => {
    cpSync(join(dir, readdirFirst(dir)), join(dir, '29990101000000_extra'), { recursive: true });
    writeFileSync(
      join(dir, '29990101000000_extra/migration.sql'),
      'ALTER TABLE "stock" ADD COLUMN "location" TEXT;\n',
    );
    expect((await applyMigrations({ databaseUrl: url, migrationsDir: dir })).applied).toEqual([
      '29990101000000_extra',
    ]);

    cpSync(join(dir, '29990101000000_extra'), join(dir, '29990102000000_broken'), { recursive: true });
    writeFileSync(
      join(dir, '29990102000000_broken/migration.sql'),
      'ALTER TABLE "stock" ADD COLUMN "half" TEXT;\nALTER TABLE "nope" ADD COLUMN "x" INT;\n',
    );
    await expect(applyMigrations({ databaseUrl: url, migrationsDir: dir })).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      message: expect.stringMatching(
        /29990102000000_broken failed and was rolled back: relation "nope" does not exist/,
      ) as unknown,
    });
    expect(
      await query(
        `SELECT 1 FROM information_schema.columns WHERE table_name = 'stock' AND column_name = 'half'`,
      ),
    ).toHaveLength(0);
    expect(
      await query(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '29990102000000_broken'`),
    ).toHaveLength(0);
    rmSync(join(dir, '29990102000000_broken'), { recursive: true });
  });

  it('refuses a migration modified after it was applied, naming it and what to do', async () => {
    const name = readdirFirst(dir);
    writeFileSync(
      join(dir, name, 'migration.sql'),
      readFileSync(join(dir, name, 'migration.sql'), 'utf8') + '\n-- edited\n',
    );
    const err = await applyMigrations({ databaseUrl: url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).code).toBe('CHECKSUM_MISMATCH');
    expect((err as MigrationError).message).toContain(`migration ${name} was modified after it was applied`);
    expect((err as MigrationError).message).toContain('put the change in a new migration');
  });
});

function onDisk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

function readdirFirst(dir: string): string {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()[0] as string;
}
