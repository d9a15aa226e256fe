import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { redactUrl } from '../config';

/** Why a migration run stopped. */
export type MigrationErrorCode =
  'CHECKSUM_MISMATCH' | 'FAILED_MIGRATION' | 'MIGRATION_FAILED' | 'BAD_MIGRATIONS_DIR' | 'BAD_DATABASE_URL';

/** A migration run that must not go on; the message says what to do. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One migration folder on disk. */
export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/** What a run did, for progress output and tests. */
export interface MigrationResult {
  database: string;
  createdDatabase: boolean;
  applied: string[];
  alreadyApplied: string[];
}

// The key `prisma migrate deploy` locks with, so our applier and Prisma's never run at once on a database.
const PRISMA_ADVISORY_LOCK = 72707369;

// Prisma's own bookkeeping table, column for column, so `prisma migrate deploy/status` accept our runs.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** Prisma's checksum of a migration: sha256 (hex) of the file's bytes. */
export function migrationChecksum(sql: string | Buffer): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** Reads `<dir>/<ts>_<name>/migration.sql` folders in name (= timestamp) order. */
export function readMigrations(migrationsDir: string): MigrationFile[] {
  if (!existsSync(migrationsDir)) {
    throw new MigrationError('BAD_MIGRATIONS_DIR', `no migrations folder at ${migrationsDir}`);
  }
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const file = join(migrationsDir, name, 'migration.sql');
      if (!existsSync(file)) {
        throw new MigrationError('BAD_MIGRATIONS_DIR', `${join(migrationsDir, name)} has no migration.sql`);
      }
      const bytes = readFileSync(file);
      return { name, sql: bytes.toString('utf8'), checksum: migrationChecksum(bytes) };
    });
}

function databaseName(url: string): { name: string; adminUrl: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new MigrationError('BAD_DATABASE_URL', `not a database URL: ${redactUrl(url)}`, { cause: err });
  }
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!name)
    throw new MigrationError('BAD_DATABASE_URL', `database URL names no database: ${redactUrl(url)}`);
  const admin = new URL(parsed.toString());
  admin.pathname = '/postgres';
  return { name, adminUrl: admin.toString() };
}

async function ensureDatabase(url: string): Promise<boolean> {
  const { name, adminUrl } = databaseName(url);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      return true;
    } catch (err) {
      // Another migrator created it between our check and our CREATE.
      if ((err as { code?: string }).code === '42P04') return false;
      throw err;
    }
  } finally {
    await admin.end();
  }
}

/**
 * Applies the unapplied migrations of one service's database, each in one transaction together with
 * its `_prisma_migrations` row, creating the database when missing. Idempotent; refuses a migration
 * that changed after it was applied.
 */
export async function applyMigrations(opts: {
  databaseUrl: string;
  migrationsDir: string;
  log?: (line: string) => void;
}): Promise<MigrationResult> {
  const log = opts.log ?? (() => undefined);
  const migrations = readMigrations(opts.migrationsDir);
  const { name: database } = databaseName(opts.databaseUrl);
  const createdDatabase = await ensureDatabase(opts.databaseUrl);
  if (createdDatabase) log(`created database ${database}`);

  const client = new pg.Client({ connectionString: opts.databaseUrl });
  await client.connect();
  const result: MigrationResult = { database, createdDatabase, applied: [], alreadyApplied: [] };
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const rows = await client.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
    }>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
    );
    const failed = rows.rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(
        'FAILED_MIGRATION',
        `${database}: migration ${failed.migration_name} started but never finished; fix the database by hand, then mark it rolled back (UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${failed.migration_name}') and run again`,
      );
    }
    const applied = new Map(
      rows.rows
        .filter((r) => r.finished_at !== null && r.rolled_back_at === null)
        .map((r) => [r.migration_name, r.checksum]),
    );
    const onDisk = new Set(migrations.map((m) => m.name));
    for (const name of applied.keys()) {
      if (!onDisk.has(name))
        log(`warning: ${database} has migration ${name} applied that is not in ${opts.migrationsDir}`);
    }
    for (const m of migrations) {
      const appliedChecksum = applied.get(m.name);
      if (appliedChecksum !== undefined) {
        if (appliedChecksum !== m.checksum) {
          throw new MigrationError(
            'CHECKSUM_MISMATCH',
            `${database}: migration ${m.name} was modified after it was applied (checksum in database ${appliedChecksum}, on disk ${m.checksum}); restore the original migration.sql and put the change in a new migration (npm run db -- new <service> <name>)`,
          );
        }
        result.alreadyApplied.push(m.name);
        continue;
      }
      const started = Date.now();
      try {
        await client.query('BEGIN');
        // A plain query (no parameters) runs the whole multi-statement script in this transaction.
        await client.query(m.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
           VALUES ($1, $2, now(), $3, NULL, NULL, now(), 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new MigrationError(
          'MIGRATION_FAILED',
          `${database}: migration ${m.name} failed and was rolled back: ${(err as Error).message}`,
          { cause: err },
        );
      }
      result.applied.push(m.name);
      log(`applied ${m.name} to ${database} (${Date.now() - started} ms)`);
    }
    if (result.applied.length === 0)
      log(`${database} is up to date (${result.alreadyApplied.length} migrations applied)`);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK]).catch(() => undefined);
    await client.end();
  }
  return result;
}
