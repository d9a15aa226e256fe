// Downloads (once) and caches the JVM parts: Kafka + ZooKeeper jars through stack/pom.xml, and
// Apicurio Registry's runnable tarball, both from Maven Central through Maven.
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { StackConfig } from './config';
import { StackError } from './errors';
import { apicurioHome } from './jvm';
import type { Progress } from './progress';
import { checkMaven } from './tools';

const KAFKA_STAMP = '.resolved';

/** True when the Kafka/ZooKeeper classpath for this Kafka version is complete in the cache. */
export function kafkaJarsCached(config: StackConfig): boolean {
  const stamp = path.join(config.libDir, KAFKA_STAMP);
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== config.kafkaVersion) return false;
  const jars = readdirSync(config.libDir);
  return (
    jars.includes(`kafka_2.13-${config.kafkaVersion}.jar`) &&
    jars.some((j) => /^zookeeper-\d.*\.jar$/.test(j))
  );
}

/** True when Apicurio's runnable layout is unpacked. */
export function apicurioCached(config: StackConfig): boolean {
  return existsSync(path.join(apicurioHome(config), 'quarkus-run.jar'));
}

/** Runs Maven with output to a log file; reports progress while it runs; throws DOWNLOAD_FAILED naming the log. */
async function runMaven(
  config: StackConfig,
  args: string[],
  what: string,
  progress: Progress,
): Promise<void> {
  mkdirSync(config.logDir, { recursive: true });
  const logFile = path.join(config.logDir, 'mvn.log');
  const fd = openSync(logFile, 'a');
  writeFileSync(fd, `\n==== ${new Date().toISOString()} mvn ${args.join(' ')}\n`);
  const timer = setInterval(() => progress.waiting('downloading'), 1000);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(config.mvn, ['-B', '-ntp', ...args], {
        cwd: path.dirname(config.pom),
        stdio: ['ignore', fd, fd],
      });
      child.once('error', reject);
      child.once('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) {
      const tail = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes('ERROR'))
        .slice(-5)
        .join('\n');
      throw new StackError(
        'DOWNLOAD_FAILED',
        `Downloading ${what} from Maven Central failed (mvn exit ${code}). Read ${logFile}.` +
          `${tail === '' ? '' : `\n${tail}`}\n` +
          'Check the network/proxy to repo.maven.apache.org (or ~/.m2/settings.xml mirrors), then run `npm run stack -- up` again.',
      );
    }
  } finally {
    clearInterval(timer);
    closeSync(fd);
  }
}

/** Makes sure the Kafka/ZooKeeper jars are in .stack/lib/kafka; returns "cached" or "downloaded". */
export async function ensureKafkaJars(
  config: StackConfig,
  progress: Progress,
): Promise<'cached' | 'downloaded'> {
  if (kafkaJarsCached(config)) return 'cached';
  checkMaven(config.mvn);
  // A unique temp folder: two `up`s sharing a cache never mix their downloads.
  const tmp = `${config.libDir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  await runMaven(
    config,
    [
      '-f',
      config.pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${tmp}`,
      '-DincludeScope=runtime',
      `-Dkafka.version=${config.kafkaVersion}`,
    ],
    `Kafka ${config.kafkaVersion} jars`,
    progress,
  );
  writeFileSync(path.join(tmp, KAFKA_STAMP), `${config.kafkaVersion}\n`);
  rmSync(config.libDir, { recursive: true, force: true });
  mkdirSync(path.dirname(config.libDir), { recursive: true });
  renameSync(tmp, config.libDir);
  return 'downloaded';
}

/** Makes sure Apicurio Registry is unpacked in .stack/apicurio; returns "cached" or "downloaded". */
export async function ensureApicurio(
  config: StackConfig,
  progress: Progress,
): Promise<'cached' | 'downloaded'> {
  if (apicurioCached(config)) return 'cached';
  checkMaven(config.mvn);
  const download = path.join(config.apicurioDir, `download.${process.pid}`);
  rmSync(download, { recursive: true, force: true });
  await runMaven(
    config,
    [
      'dependency:copy',
      `-Dartifact=io.apicurio:apicurio-registry-app:${config.apicurioVersion}:tar.gz:all`,
      `-DoutputDirectory=${download}`,
    ],
    `Apicurio Registry ${config.apicurioVersion}`,
    progress,
  );
  const tarball = readdirSync(download).find((f) => f.endsWith('.tar.gz'));
  if (tarball === undefined)
    throw new StackError('DOWNLOAD_FAILED', `Maven reported success but ${download} holds no .tar.gz`);
  const target = apicurioHome(config);
  const tmp = `${target}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  progress.waiting('unpacking');
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('tar', ['-xzf', path.join(download, tarball), '-C', tmp], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0 || !existsSync(path.join(tmp, 'quarkus-run.jar')))
    throw new StackError(
      'DOWNLOAD_FAILED',
      `Unpacking ${tarball} failed (tar exit ${code}); delete ${config.apicurioDir} and run \`npm run stack -- up\` again.`,
    );
  rmSync(target, { recursive: true, force: true });
  renameSync(tmp, target);
  // The unpacked layout is what runs; Maven keeps its own copy of the tarball in ~/.m2.
  rmSync(download, { recursive: true, force: true });
  return 'downloaded';
}
