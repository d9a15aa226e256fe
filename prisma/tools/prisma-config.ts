// The prisma.config.ts of every service schema: Prisma 7's CLI reads the database URL from here
// (schema.prisma has none), so `prisma migrate deploy|status --config prisma/<service>/prisma.config.ts`
// works on the same folders as the offline runner (`npm run db -- migrate`), with the same URL rule.
import path from 'node:path';
import { serviceDatabaseUrl } from '@orderflow/platform/postgres';
import { defineConfig } from 'prisma/config';

/** The URL `npm run db -- migrate <service>` would use: <SERVICE>_DATABASE_URL, DATABASE_URL, orderflow_<service> on ORDERFLOW_POSTGRES_URL's server. */
export function databaseUrl(service: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[`${service.toUpperCase()}_DATABASE_URL`] ?? env.DATABASE_URL ?? serviceDatabaseUrl(service, env);
}

/** The Prisma config of prisma/<service>: its schema, its migrations and its database. */
export function serviceConfig(service: string): ReturnType<typeof defineConfig> {
  const dir = path.join(__dirname, '..', service);
  return defineConfig({
    schema: path.join(dir, 'schema.prisma'),
    migrations: { path: path.join(dir, 'migrations') },
    datasource: { url: databaseUrl(service) },
  });
}
