import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRecordAlive, parsePidRecord, pidExists, PidStore, type PidRecord } from './pid-files';

const record: PidRecord = {
  component: 'kafka',
  pid: 1234,
  marker: '-Dorderflow.stack=kafka',
  startedAt: '2026-01-01T00:00:00.000Z',
};

describe('parsePidRecord', () => {
  test('reads a record written by the store', () => {
    expect(parsePidRecord(JSON.stringify(record), 'f.json')).toEqual(record);
    const withStop = { ...record, stopCommand: ['pg_ctlcluster', '15', 'main', 'stop'] };
    expect(parsePidRecord(JSON.stringify(withStop), 'f.json')).toEqual(withStop);
  });

  test.each([
    ['not json', 'f.json: not JSON'],
    [
      '{"component":"kafka","pid":-1,"marker":"m","startedAt":"t"}',
      'f.json: "pid" must be a positive integer',
    ],
    ['{"pid":1,"marker":"m","startedAt":"t"}', 'f.json: "component" must be a string'],
    [
      '{"component":"k","pid":1,"marker":"m","startedAt":"t","stopCommand":[1]}',
      'f.json: "stopCommand" must be an array of strings',
    ],
  ])('rejects %s naming the file and field', (text, message) => {
    expect(() => parsePidRecord(text, 'f.json')).toThrow(message);
  });
});

describe('PidStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pids-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('writes, lists, reads and removes records, leaving no temp files', () => {
    const store = new PidStore(path.join(dir, 'pids'));
    expect(store.read('kafka')).toBeUndefined();
    expect(store.list()).toEqual([]);
    store.write(record);
    store.write({ ...record, component: 'zookeeper', pid: 99 });
    expect(store.read('kafka')).toEqual(record);
    expect(
      store
        .list()
        .map((r) => r.component)
        .sort(),
    ).toEqual(['kafka', 'zookeeper']);
    expect(readdirSync(path.join(dir, 'pids')).sort()).toEqual(['kafka.json', 'zookeeper.json']);
    store.remove('kafka');
    expect(store.read('kafka')).toBeUndefined();
  });

  test('a corrupt pid file is an error naming the file', () => {
    const store = new PidStore(dir);
    writeFileSync(store.fileOf('kafka'), '{');
    expect(() => store.read('kafka')).toThrow(`${store.fileOf('kafka')}: not JSON`);
  });
});

describe('liveness', () => {
  test('this process exists; a finished child does not', async () => {
    expect(pidExists(process.pid)).toBe(true);
    const child = spawn('true');
    const pid = child.pid ?? 0;
    await new Promise((r) => child.once('exit', r));
    expect(pidExists(pid)).toBe(false);
  });

  test('a live pid whose command line lacks the marker is not ours (pid reuse)', () => {
    const mine = { ...record, pid: process.pid };
    expect(isRecordAlive({ ...mine, marker: 'node' }, () => 'node jest')).toBe(true);
    expect(isRecordAlive({ ...mine, marker: '-Dorderflow.stack=kafka' }, () => 'node jest')).toBe(false);
    expect(isRecordAlive({ ...mine, marker: 'node' }, () => undefined)).toBe(false);
  });
});
