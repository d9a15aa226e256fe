// Stores the principals' SCRAM credentials in ZooKeeper with Kafka's own ConfigCommand (the brokers read them
// from there; the admin's must exist before a broker can start). Only what is missing or changed is written.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LocalKafkaCredentials } from '@orderflow/platform';
import type { StackConfig } from './config';
import { StackError } from './errors';
import { parseScramDescribe, scramAlterArgs, scramMatches } from './kafka-auth';

const run = promisify(execFile);

/** What syncScramCredentials did. */
export interface ScramOutcome {
  readonly stored: string[];
  readonly unchanged: string[];
}

async function configCommand(config: StackConfig, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(
      config.java,
      ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', `${config.libDir}/*`, ...args],
      { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 },
    );
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new StackError(
      'NOT_READY',
      `Kafka's ConfigCommand failed (${args.slice(1, 5).join(' ')}): ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' ')}`,
    );
  }
}

/** Makes ZooKeeper hold each principal's SCRAM-SHA-512 credential for its password in `credentials`. */
export async function syncScramCredentials(
  config: StackConfig,
  credentials: LocalKafkaCredentials,
): Promise<ScramOutcome> {
  const zookeeper = `127.0.0.1:${config.ports.zookeeper}`;
  const stored = parseScramDescribe(
    await configCommand(config, [
      'kafka.admin.ConfigCommand',
      '--zookeeper',
      zookeeper,
      '--describe',
      '--entity-type',
      'users',
    ]),
  );
  const entries = Object.entries(credentials.passwords);
  const stale = entries.filter(([user, password]) => {
    const current = stored.get(user);
    return current === undefined || !scramMatches(current, password);
  });
  // Two at a time: each is a JVM start (~1.5 s) on a 2-core machine.
  for (let i = 0; i < stale.length; i += 2)
    await Promise.all(
      stale
        .slice(i, i + 2)
        .map(([user, password]) => configCommand(config, scramAlterArgs(zookeeper, user, password))),
    );
  return {
    stored: stale.map(([u]) => u),
    unchanged: entries.filter(([u]) => !stale.some(([s]) => s === u)).map(([u]) => u),
  };
}
