// One `up` or `down` at a time per stack folder: several engineers (and CI) share one stack, and two
// concurrent `up`s would both find ZooKeeper down and both try to start it.
import { openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { pidExists } from './pid-files';
import { waitUntil } from './wait';

/** A held lock; `release` removes it. */
export interface Lock {
  release(): void;
}

/** Tries once to create the lock file holding our pid; removes a lock left by a dead process. */
export function tryLock(file: string, pid = process.pid): Lock | { heldBy: number } {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return { release: () => rmSync(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = NaN;
    try {
      holder = Number(readFileSync(file, 'utf8').trim());
    } catch {
      // removed between our open and read: try again
    }
    if (Number.isInteger(holder) && holder > 0 && pidExists(holder)) return { heldBy: holder };
    rmSync(file, { force: true }); // stale: its process is gone
  }
  return { heldBy: NaN };
}

/** Waits (up to `timeoutMs`) for the lock, reporting who holds it. */
export async function acquireLock(
  file: string,
  timeoutMs: number,
  onWaiting: (holder: number) => void = () => undefined,
): Promise<Lock> {
  let lock: Lock | undefined;
  let holder = NaN;
  const outcome = await waitUntil(
    () => {
      const r = tryLock(file);
      if ('release' in r) {
        lock = r;
        return Promise.resolve({ ready: true });
      }
      holder = r.heldBy;
      return Promise.resolve({ ready: false, reason: `held by pid ${holder}` });
    },
    { timeoutMs, intervalMs: 500, onWaiting: () => onWaiting(holder) },
  );
  if (!outcome.ready || lock === undefined) {
    throw new Error(`another \`npm run stack\` (pid ${holder}) has held ${file} for ${timeoutMs / 1000}s`);
  }
  return lock;
}
