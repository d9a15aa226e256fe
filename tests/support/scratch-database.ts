// A throwaway database per test file, migrated with a service's own migrations, so integration tests
// never touch the databases the running services use. Creation and dropping live in the platform's
// test support (one place for every scratch database).
import { resolve } from 'node:path';
import { migratedDatabase } from '@orderflow/platform/testing';

const ROOT = resolve(__dirname, '..', '..');

/** Creates `orderflow_<service>_<label>_<pid>` with the service's migrations applied; `drop()` removes it. */
export function scratchDatabase(
  service: 'order' | 'payment' | 'inventory' | 'notification',
  label: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `orderflow_${service}_${label}_${process.pid}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return migratedDatabase(name, resolve(ROOT, 'prisma', service, 'migrations'));
}
