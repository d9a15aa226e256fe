// How many brokers the stack in a folder was brought up with, so `status`, `down`, `up` without
// `--brokers` and `npm start` agree with the last `up --brokers N`.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_BROKERS, type StackConfig } from './config';

function clusterFile(config: StackConfig): string {
  return path.join(config.stackDir, 'cluster.json');
}

/** The broker count the last `up` recorded, or undefined (never recorded: a one-broker stack). */
export function recordedBrokers(config: StackConfig): number | undefined {
  const file = clusterFile(config);
  if (!existsSync(file)) return undefined;
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const brokers = (value as { brokers?: unknown } | null)?.brokers;
    return typeof brokers === 'number' && Number.isInteger(brokers) && brokers >= 1 && brokers <= MAX_BROKERS
      ? brokers
      : undefined;
  } catch {
    return undefined;
  }
}

/** Records the broker count (atomically). */
export function recordBrokers(config: StackConfig, brokers: number): void {
  mkdirSync(config.stackDir, { recursive: true });
  const file = clusterFile(config);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ brokers }, null, 2)}\n`);
  renameSync(tmp, file);
}
