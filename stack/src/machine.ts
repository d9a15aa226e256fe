// The machine's PostgreSQL and Redis: used when running, started with the machine's own commands
// when installed but stopped (and recorded, so `down` stops only those), otherwise explained.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import type { StackConfig } from './config';
import { StackError } from './errors';
import type { PidRecord } from './pid-files';
import { isPortOpen } from './ports';
import { waitUntil } from './wait';

/** One line of `pg_lsclusters` output. */
export interface PgCluster {
  readonly version: string;
  readonly name: string;
  readonly port: number;
  readonly online: boolean;
  readonly dataDir: string;
  readonly logFile: string;
}

/** Parses `pg_lsclusters` (Debian postgresql-common) output. */
export function parsePgLsClusters(text: string): PgCluster[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c.length >= 6 && /^\d+$/.test(c[2] ?? ''))
    .map((c) => ({
      version: c[0] ?? '',
      name: c[1] ?? '',
      port: Number(c[2]),
      online: (c[3] ?? '').startsWith('online'),
      dataDir: c[5] ?? '',
      logFile: c[6] ?? '',
    }));
}

function clusters(): PgCluster[] | undefined {
  const r = spawnSync('pg_lsclusters', [], { encoding: 'utf8' });
  return r.error === undefined && r.status === 0 ? parsePgLsClusters(r.stdout) : undefined;
}

/** The outcome of making sure a machine service runs. */
export interface MachineOutcome {
  readonly state: 'running' | 'started';
  readonly record?: PidRecord;
  readonly log: string;
}

/** The PostgreSQL server log, when the machine keeps one we can name. */
export function postgresLogFile(port: number): string {
  return clusters()?.find((c) => c.port === port)?.logFile ?? '(server log; see `pg_lsclusters`)';
}

/** Makes sure PostgreSQL answers on its port, starting an installed-but-stopped Debian cluster. */
export async function ensurePostgres(config: StackConfig): Promise<MachineOutcome> {
  const port = config.ports.postgres;
  const { host } = config.postgres;
  const local = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  if (!local) {
    // Another machine's server (ORDERFLOW_POSTGRES_URL): never started or stopped by the stack.
    if (await isPortOpen(port, host)) return { state: 'running', log: `(the server on ${host})` };
    throw new StackError(
      'SERVICE_MISSING',
      `PostgreSQL is not answering on ${host}:${port} (ORDERFLOW_POSTGRES_URL); start it or point the variable elsewhere.`,
    );
  }
  const all = clusters();
  const cluster = all?.find((c) => c.port === port);
  const log = cluster?.logFile ?? '(server log; see `pg_lsclusters`)';
  if (await isPortOpen(port)) return { state: 'running', log };
  if (cluster === undefined) {
    throw new StackError(
      'SERVICE_MISSING',
      `PostgreSQL is not answering on 127.0.0.1:${port} and no installed cluster for that port was found` +
        `${all === undefined ? ' (pg_lsclusters is not installed)' : ''}. ` +
        'Install it: `sudo apt-get install postgresql` (then allow trust auth for 127.0.0.1 in pg_hba.conf), or start your PostgreSQL on port 5432, ' +
        'or set ORDERFLOW_POSTGRES_URL to a server you have (e.g. postgresql://me:secret@127.0.0.1:5433).',
    );
  }
  const start = ['pg_ctlcluster', '--skip-systemctl-redirect', cluster.version, cluster.name, 'start'];
  const r = spawnSync(start[0] ?? '', start.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new StackError(
      'START_FAILED',
      `\`${start.join(' ')}\` failed: ${(r.stderr || r.stdout).trim()}. Read ${cluster.logFile}.`,
    );
  }
  const ready = await waitUntil(
    async () => ((await isPortOpen(port)) ? { ready: true } : { ready: false, reason: 'port closed' }),
    {
      timeoutMs: 20_000,
    },
  );
  if (!ready.ready)
    throw new StackError(
      'NOT_READY',
      `PostgreSQL started but does not answer on ${port}; read ${cluster.logFile}.`,
    );
  const pid = Number(readFileSync(path.join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    state: 'started',
    log,
    record: {
      component: 'postgres',
      pid,
      marker: 'postgres',
      startedAt: new Date().toISOString(),
      stopCommand: ['pg_ctlcluster', '--skip-systemctl-redirect', cluster.version, cluster.name, 'stop'],
    },
  };
}

/** Makes sure Redis answers on its port, starting `redis-server` when it is installed but not running. */
export async function ensureRedis(config: StackConfig): Promise<MachineOutcome> {
  const port = config.ports.redis;
  const log = path.join(config.logDir, 'redis.log');
  if (await isPortOpen(port)) return { state: 'running', log: '(the machine’s Redis log)' };
  const dir = path.join(config.dataDir, 'redis');
  const pidFile = path.join(config.pidDir, 'redis-server.pid');
  mkdirSync(dir, { recursive: true });
  mkdirSync(config.pidDir, { recursive: true });
  mkdirSync(config.logDir, { recursive: true });
  const args = [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '-::1',
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--pidfile',
    pidFile,
    '--logfile',
    log,
  ];
  const r = spawnSync('redis-server', args, { encoding: 'utf8' });
  if (r.error !== undefined) {
    throw new StackError(
      'SERVICE_MISSING',
      `Redis is not answering on 127.0.0.1:${port} and redis-server is not installed. Install it: \`sudo apt-get install redis-server\`, or start your Redis on port ${port}.`,
    );
  }
  if (r.status !== 0)
    throw new StackError(
      'START_FAILED',
      `redis-server failed to start: ${(r.stderr || r.stdout).trim()}. Read ${log}.`,
    );
  const ready = await waitUntil(
    async () => ((await isPortOpen(port)) ? { ready: true } : { ready: false, reason: 'port closed' }),
    {
      timeoutMs: 10_000,
    },
  );
  if (!ready.ready)
    throw new StackError('NOT_READY', `redis-server started but does not answer on ${port}; read ${log}.`);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return {
    state: 'started',
    log,
    record: { component: 'redis', pid, marker: 'redis-server', startedAt: new Date().toISOString() },
  };
}

/** Quotes a PostgreSQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Creates the databases that do not exist yet; returns the ones it created. */
export async function ensureDatabases(postgresUrl: string, names: readonly string[]): Promise<string[]> {
  const client = new Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const created: string[] = [];
    for (const name of names) {
      const found = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (found.rowCount === 0) {
        // CREATE DATABASE cannot take a bind parameter.
        await client.query(`create database ${quoteIdent(name)}`);
        created.push(name);
      }
    }
    return created;
  } finally {
    await client.end();
  }
}

/** Drops a database if it exists (used by `up --fresh` for the registry's storage). */
export async function dropDatabase(postgresUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: postgresUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  } finally {
    await client.end();
  }
}
