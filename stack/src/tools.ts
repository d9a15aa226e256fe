// Checks for the external tools the stack needs (Java, Maven), with the message to print when one is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { StackError } from './errors';

/** Extracts the Java major version from `java -version` output (stderr), e.g. 17 from `openjdk version "17.0.15"`. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (m?.[1] === undefined) return undefined;
  const first = Number(m[1]);
  // Java 8 and older report "1.8.0_x".
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

/** Verifies that `java` runs and is 17 or newer; returns its major version. */
export function checkJava(java: string): number {
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new StackError(
      'JAVA_MISSING',
      `Java is needed to run ZooKeeper, Kafka and the registry, but \`${java} -version\` failed` +
        `${result.error === undefined ? '' : ` (${result.error.message})`}. ` +
        'Install a JDK 17 or newer (Debian/Ubuntu: `sudo apt-get install openjdk-17-jre-headless`) or set JAVA_HOME to one.',
    );
  }
  const major = parseJavaMajor(`${result.stderr}${result.stdout}`);
  if (major === undefined || major < 17) {
    throw new StackError(
      'JAVA_MISSING',
      `Java 17 or newer is needed (Kafka and ZooKeeper run on it), but \`${java} -version\` reports ${major ?? 'an unknown version'}. ` +
        'Set JAVA_HOME to a JDK 17+ (e.g. /usr/lib/jvm/java-17-openjdk-amd64).',
    );
  }
  return major;
}

/** Verifies that Maven runs (needed only when something must be downloaded). */
export function checkMaven(mvn: string): void {
  const result = spawnSync(mvn, ['-v'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new StackError(
      'MAVEN_MISSING',
      `Maven is needed once, to download Kafka, ZooKeeper and Apicurio Registry from Maven Central, but \`${mvn} -v\` failed` +
        `${result.error === undefined ? '' : ` (${result.error.message})`}. ` +
        'Install it (Debian/Ubuntu: `sudo apt-get install maven`) and run `npm run stack -- up` again.',
    );
  }
}

/** Reads the major version from a JDK's `release` file (`JAVA_VERSION="21.0.2"`). */
export function parseReleaseFile(text: string): number | undefined {
  const m = /^JAVA_VERSION="(\d+)(?:\.(\d+))?/m.exec(text);
  if (m?.[1] === undefined) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

/** An installed Java and its major version. */
export interface JavaInstall {
  readonly java: string;
  readonly major: number;
}

/** Picks the first candidate with at least `minMajor`, preferring the lowest sufficient version (closest to what was tested). */
export function pickJava(candidates: readonly JavaInstall[], minMajor: number): JavaInstall | undefined {
  return [...candidates].filter((c) => c.major >= minMajor).sort((a, b) => a.major - b.major)[0];
}

/** JDKs installed under a directory such as /usr/lib/jvm (each with a `release` file). */
export function installedJavas(dir = '/usr/lib/jvm'): JavaInstall[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: JavaInstall[] = [];
  for (const name of names) {
    const home = path.join(dir, name);
    try {
      const major = parseReleaseFile(readFileSync(path.join(home, 'release'), 'utf8'));
      if (major !== undefined && existsSync(path.join(home, 'bin', 'java')))
        found.push({ java: path.join(home, 'bin', 'java'), major });
    } catch {
      // not a JDK (or a symlink to one already listed)
    }
  }
  return found;
}

/** The Java that runs Apicurio Registry 3.3 (compiled for Java 21): an explicit one, the default if new enough, else an installed JDK 21+. */
export function chooseRegistryJava(
  explicit: string | undefined,
  defaultJava: string,
  defaultMajor: number,
): JavaInstall {
  const min = 21;
  if (explicit !== undefined) {
    const major = checkJava(explicit);
    if (major < min)
      throw new StackError(
        'JAVA_MISSING',
        `ORDERFLOW_REGISTRY_JAVA_HOME points at Java ${major}; Apicurio Registry needs ${min}+.`,
      );
    return { java: explicit, major };
  }
  if (defaultMajor >= min) return { java: defaultJava, major: defaultMajor };
  const picked = pickJava(installedJavas(), min);
  if (picked === undefined) {
    throw new StackError(
      'JAVA_MISSING',
      `Apicurio Registry 3.3 needs Java ${min} or newer; the default Java is ${defaultMajor} and no JDK ${min}+ was found under /usr/lib/jvm. ` +
        'Install one (Debian/Ubuntu: `sudo apt-get install openjdk-21-jre-headless`) or set ORDERFLOW_REGISTRY_JAVA_HOME to a JDK 21+.',
    );
  }
  return picked;
}
