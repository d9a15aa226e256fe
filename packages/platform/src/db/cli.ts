// `npm run db -- <command>`: Prisma tooling that works without network access.
//   generate [--if-stale] [schema...]
//                                generate each schema's Prisma client (services/<s>/src/generated/prisma;
//                                platform: packages/platform/src/generated/prisma, for its int tests);
//                                --if-stale skips a client that is newer than its schema
//   migrate [service...]         create the database if missing and apply unapplied migrations
//   diff <schema> [--from-empty | --from <schema file>]
//                                print that SQL instead of writing it (default: from the schema at git HEAD)
//   new <schema> <name>          write prisma/<schema>/migrations/<ts>_<name>/migration.sql: the diff from
//                                the schema at git HEAD (DB_DIFF_FROM=<ref>) to the working schema
// A schema is a service or `platform` (prisma/platform: the outbox and inbox every service has; no
// database of its own, so `migrate` takes services only).
// Database URL per service: <SERVICE>_DATABASE_URL, else DATABASE_URL when one service is named,
// else orderflow_<service> on ORDERFLOW_POSTGRES_URL's server (default postgresql://postgres@127.0.0.1:5432).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { applyMigrations, MigrationError, readMigrations } from './migrate';
import { generateClient } from './generate';
import { diffSchema } from './schema-diff';
import { serviceDatabaseUrl } from '../postgres-server';

const ROOT = resolve(__dirname, '../../../..');
const SERVICES = ['order', 'payment', 'inventory', 'notification'] as const;
type Service = (typeof SERVICES)[number];
/** Every prisma/<name>/schema.prisma: the services' and the platform's. */
const SCHEMAS = [...SERVICES, 'platform'] as const;
type Schema = (typeof SCHEMAS)[number];

function parseNames<T extends string>(args: string[], names: readonly T[], what: string): T[] {
  if (args.length === 0) return [...names];
  return args.map((a) => {
    if (!(names as readonly string[]).includes(a))
      throw new Error(`unknown ${what} "${a}"; expected one of ${names.join(', ')}`);
    return a as T;
  });
}
const parseServices = (args: string[]): Service[] => parseNames(args, SERVICES, 'service');
const parseSchemas = (args: string[]): Schema[] => parseNames(args, SCHEMAS, 'schema');

const prismaSchemaPath = (schema: Schema): string => join(ROOT, 'prisma', schema, 'schema.prisma');

/** Where `prisma generate` writes a schema's client (its generator's `output`). */
function clientDir(schema: Schema): string {
  return schema === 'platform'
    ? 'packages/platform/src/generated/prisma'
    : `services/${schema}/src/generated/prisma`;
}

// A schema without a database of its own (platform) diffs against the same server.
function databaseUrl(service: Schema, onlyOne: boolean): string {
  // Read here rather than in a config module: this is a developer tool, not a service.
  const env = process.env;
  return (
    env[`${service.toUpperCase()}_DATABASE_URL`] ??
    (onlyOne ? env.DATABASE_URL : undefined) ??
    serviceDatabaseUrl(service, env)
  );
}

// The schema the committed migrations were written from; DB_DIFF_FROM picks another git ref.
function schemaAtRef(path: string, ref: string): string {
  try {
    return execFileSync('git', ['show', `${ref}:${path}`], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    throw new Error(
      `cannot read ${path} at git ref ${ref} to diff from (set DB_DIFF_FROM to the ref whose schema the latest migration matches): ${(err as Error).message}`,
    );
  }
}

// A generated client is fresh when it exists and was written after its schema last changed.
function isFresh(generated: string, schema: string): boolean {
  return existsSync(generated) && statSync(generated).mtimeMs >= statSync(schema).mtimeMs;
}

function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  const log = (line: string): void => console.log(`db: ${line}`);
  switch (command) {
    case 'generate': {
      const ifStale = args.includes('--if-stale');
      const pending = parseSchemas(args.filter((a) => a !== '--if-stale')).filter(
        (s) => !ifStale || !isFresh(join(ROOT, clientDir(s), 'client.ts'), prismaSchemaPath(s)),
      );
      // Each generate is its own Prisma CLI process, mostly start-up CPU: one per core at a time
      // (2 cores: 5 clients in ~3 rounds instead of 5).
      const workers = Math.min(pending.length, Math.max(1, availableParallelism()));
      await Promise.all(
        Array.from({ length: workers }, async () => {
          for (let s = pending.shift(); s !== undefined; s = pending.shift()) {
            const started = Date.now();
            await generateClient({ rootDir: ROOT, schemaPath: prismaSchemaPath(s) });
            log(`generated ${s} client -> ${clientDir(s)} (${Date.now() - started} ms)`);
          }
        }),
      );
      return;
    }
    case 'migrate': {
      const services = parseServices(args);
      for (const s of services) {
        await applyMigrations({
          databaseUrl: databaseUrl(s, services.length === 1),
          migrationsDir: join(ROOT, 'prisma', s, 'migrations'),
          log,
        });
      }
      return;
    }
    case 'diff': {
      const [service, flag, fromFile] = args;
      const [s] = parseSchemas([service ?? '']) as [Schema];
      const schemaPath = join(ROOT, 'prisma', s, 'schema.prisma');
      const fromSchema =
        flag === '--from-empty'
          ? undefined
          : flag === '--from' && fromFile
            ? readFileSync(fromFile, 'utf8')
            : schemaAtRef(`prisma/${s}/schema.prisma`, process.env.DB_DIFF_FROM ?? 'HEAD');
      const admin = new URL(databaseUrl(s, true));
      admin.pathname = '/postgres';
      process.stdout.write(
        await diffSchema({
          schemaPath,
          ...(fromSchema === undefined ? {} : { fromSchema }),
          adminUrl: admin.toString(),
        }),
      );
      return;
    }
    case 'new': {
      const [service, name] = args;
      if (!service || !name || !/^[a-z0-9_]+$/.test(name))
        throw new Error('usage: npm run db -- new <schema> <snake_case_name>');
      const [s] = parseSchemas([service]) as [Schema];
      const dir = join(ROOT, 'prisma', s, 'migrations');
      mkdirSync(dir, { recursive: true });
      const migrations = readMigrations(dir);
      const admin = new URL(databaseUrl(s, true));
      admin.pathname = '/postgres';
      const schemaPath = join(ROOT, 'prisma', s, 'schema.prisma');
      const fromSchema =
        migrations.length === 0
          ? undefined
          : schemaAtRef(`prisma/${s}/schema.prisma`, process.env.DB_DIFF_FROM ?? 'HEAD');
      const sql = await diffSchema({
        schemaPath,
        ...(fromSchema === undefined ? {} : { fromSchema }),
        adminUrl: admin.toString(),
      });
      if (!sql.trim() || /^-- This is an empty migration\.?\s*$/.test(sql.trim())) {
        log(`${s}: schema and migrations agree; nothing to write`);
        return;
      }
      const folder = join(dir, `${timestamp()}_${name}`);
      mkdirSync(folder);
      writeFileSync(join(folder, 'migration.sql'), sql);
      if (!existsSync(join(dir, 'migration_lock.toml'))) {
        writeFileSync(
          join(dir, 'migration_lock.toml'),
          '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
        );
      }
      log(
        `wrote ${folder}/migration.sql; review it (add what Prisma cannot express, e.g. CHECK constraints) before applying`,
      );
      return;
    }
    default:
      throw new Error(
        'usage: npm run db -- generate [--if-stale] [schema...] | migrate [service...] | diff <schema> [--from-empty | --from <file>] | new <schema> <name>',
      );
  }
}

main().catch((err: unknown) => {
  console.error(
    `db: ${err instanceof MigrationError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err)}`,
  );
  process.exit(1);
});
