// A throwaway database per test file, migrated with a service's own migrations, so integration tests
// never touch the databases the running services use.
import { resolve } from 'node:path';
import { applyMigrations } from '@orderflow/platform';
import pg from 'pg';

const SERVER = 'postgresql://postgres@127.0.0.1:5432';
const ROOT = resolve(__dirname, '..', '..');

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Creates `orderflow_<service>_<label>_<pid>` with the service's migrations applied; `drop()` removes it. */
export async function scratchDatabase(
  service: 'order' | 'payment' | 'inventory' | 'notification',
  label: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `orderflow_${service}_${label}_${process.pid}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const url = `${SERVER}/${name}`;
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await applyMigrations({ databaseUrl: url, migrationsDir: resolve(ROOT, 'prisma', service, 'migrations') });
  return { url, drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
