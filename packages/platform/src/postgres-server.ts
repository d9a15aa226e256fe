// The PostgreSQL server every Orderflow database lives on: the services' default DATABASE_URL, the
// stack, `npm run db`, the Prisma configs and the tests all take it from here, so one variable moves
// them all. No imports: the Prisma configs load this file on its own (`@orderflow/platform/postgres`).

/** The variable naming the server (no database): `postgresql://user[:password]@host[:port][?params]`. */
export const POSTGRES_URL_VARIABLE = 'ORDERFLOW_POSTGRES_URL';

/** The machine's server with trust authentication for 127.0.0.1, what the local stack assumes by default. */
export const DEFAULT_POSTGRES_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432';

/** A parsed server URL. */
export interface PostgresServer {
  /** The server URL without a database, as given (or the default). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Empty when the URL has none (trust or peer authentication, or a ~/.pgpass entry). */
  readonly password: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const hide = (raw: string): string => raw.replace(/\/\/([^/@:\s]*):[^/@\s]*@/, '//$1:***@');

/** Reads and validates ORDERFLOW_POSTGRES_URL (default: the machine's server); the error names the variable. */
export function postgresServer(env: Env = process.env): PostgresServer {
  const raw = env[POSTGRES_URL_VARIABLE]?.trim() || DEFAULT_POSTGRES_SERVER_URL;
  const bad = (why: string): Error =>
    new Error(
      `${POSTGRES_URL_VARIABLE}=${JSON.stringify(hide(raw))} is invalid: ${why}; set it to the server only, ` +
        `e.g. postgresql://postgres:secret@db.example:5432 (each service's database orderflow_<service> is added to it)`,
    );
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw bad('not an absolute URL');
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:')
    throw bad(`protocol ${parsed.protocol} is not postgresql: or postgres:`);
  if (parsed.hostname === '') throw bad('no host');
  if (parsed.pathname !== '' && parsed.pathname !== '/')
    throw bad(`it names a database (${parsed.pathname.slice(1)}); Orderflow chooses the database`);
  const port = parsed.port === '' ? 5432 : Number(parsed.port);
  return {
    url: raw.replace(/\/+$/, ''),
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    user: decodeURIComponent(parsed.username) || 'postgres',
    password: decodeURIComponent(parsed.password),
  };
}

/** The URL of `database` on the configured server (its query parameters, e.g. sslmode, kept). */
export function postgresDatabaseUrl(database: string, env: Env = process.env): string {
  const url = new URL(postgresServer(env).url);
  url.pathname = `/${encodeURIComponent(database)}`;
  if (url.username === '') url.username = 'postgres';
  return url.toString();
}

/** A service's own database on the configured server: `orderflow_<service>`. */
export function serviceDatabaseUrl(service: string, env: Env = process.env): string {
  return postgresDatabaseUrl(`orderflow_${service}`, env);
}
