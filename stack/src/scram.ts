// Stores the principals' SCRAM credentials in ZooKeeper with Kafka's own ConfigCommand (the brokers read them
// from there; the admin's must exist before a broker can start). Only what is missing or changed is written.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LocalKafkaCredentials } from '@orderflow/platform';
import type { StackConfig } from './config';
import { StackError } from './errors';
import { parseScramDescribe, scramAlterArgs, scramMatches } from './kafka-auth';

const run = promisify(execFile);

/** The lines of a JVM tool's stderr that say something (log4j's "no appenders" warnings do not). */
export function meaningfulStderr(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('log4j:WARN'));
}

/** Runs ConfigCommand; a run killed by the time limit (a loaded machine) is tried once more. */
async function configCommand(config: StackConfig, args: string[]): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { stdout } = await run(
        config.java,
        ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', `${config.libDir}/*`, ...args],
        { timeout: 90_000, maxBuffer: 4 * 1024 * 1024 },
      );
      return stdout;
    } catch (err) {
      const e = err as {
        stderr?: string;
        message: string;
        killed?: boolean;
        signal?: string | null;
        code?: unknown;
      };
      if (e.killed === true && attempt === 1) continue;
      const said = meaningfulStderr(e.stderr ?? '');
      const why = e.killed
        ? `killed after 90 s (twice)${e.signal ? ` by ${e.signal}` : ''}: the machine may be overloaded`
        : said.length > 0
          ? said.slice(-3).join(' ')
          : `exit code ${String(e.code)}, no error output`;
      throw new StackError(
        'NOT_READY',
        `Kafka's ConfigCommand failed (${args.slice(1, 5).join(' ')}): ${why}`,
      );
    }
  }
}

/** What is stored now, and the principals whose credential is missing or made from another password. */
export async function staleScramCredentials(
  config: StackConfig,
  credentials: LocalKafkaCredentials,
): Promise<{ stale: string[]; unchanged: string[] }> {
  const stored = parseScramDescribe(
    await configCommand(config, [
      'kafka.admin.ConfigCommand',
      '--zookeeper',
      zookeeperOf(config),
      '--describe',
      '--entity-type',
      'users',
    ]),
  );
  const stale: string[] = [];
  const unchanged: string[] = [];
  // Each check is a PBKDF2 of 4096 rounds: once per principal.
  for (const [user, password] of Object.entries(credentials.passwords)) {
    const current = stored.get(user);
    (current !== undefined && scramMatches(current, password) ? unchanged : stale).push(user);
  }
  return { stale, unchanged };
}

/** Stores the credentials of `principals` in ZooKeeper, two at a time (each is a JVM start, ~1.5 s, on 2 cores).
 * A running broker picks a change up through ZooKeeper's change notification. */
export async function storeScramCredentials(
  config: StackConfig,
  credentials: LocalKafkaCredentials,
  principals: readonly string[],
): Promise<void> {
  for (let i = 0; i < principals.length; i += 2)
    await Promise.all(
      principals.slice(i, i + 2).map((user) => {
        const password = credentials.passwords[user];
        if (password === undefined) throw new StackError('BAD_CONFIG', `no Kafka password for ${user}`);
        return configCommand(config, scramAlterArgs(zookeeperOf(config), user, password));
      }),
    );
}

function zookeeperOf(config: StackConfig): string {
  return `127.0.0.1:${config.ports.zookeeper}`;
}
