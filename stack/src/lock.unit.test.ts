import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireLock, tryLock } from './lock';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lock-'));
  file = path.join(dir, 'stack.lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('the first taker holds the lock with its pid; a second is told who holds it; release frees it', () => {
  const first = tryLock(file);
  expect('release' in first).toBe(true);
  expect(readFileSync(file, 'utf8').trim()).toBe(String(process.pid));
  expect(tryLock(file)).toEqual({ heldBy: process.pid });
  if ('release' in first) first.release();
  expect(existsSync(file)).toBe(false);
  expect('release' in tryLock(file)).toBe(true);
});

test('a lock left by a dead process is taken over', async () => {
  const child = spawn('true');
  await new Promise((r) => child.once('exit', r));
  writeFileSync(file, `${child.pid}\n`);
  const lock = tryLock(file);
  expect('release' in lock).toBe(true);
  expect(readFileSync(file, 'utf8').trim()).toBe(String(process.pid));
});

test('acquireLock waits for the holder to release, and times out naming the holder', async () => {
  const held = tryLock(file);
  if (!('release' in held)) throw new Error('setup: lock not taken');
  setTimeout(() => held.release(), 300);
  const waitedFor: number[] = [];
  const lock = await acquireLock(file, 5000, (pid) => waitedFor.push(pid));
  expect(waitedFor[0]).toBe(process.pid);
  await expect(acquireLock(file, 600)).rejects.toThrow(
    `another \`npm run stack\` (pid ${process.pid}) has held`,
  );
  lock.release();
});
