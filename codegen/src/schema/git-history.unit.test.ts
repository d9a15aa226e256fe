import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileHistory } from './git-history';

let root: string;
const git = (...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd: root,
    encoding: 'utf8',
  });
const schema = (name: string, fields: string[]): string =>
  JSON.stringify(
    { type: 'record', name, fields: fields.map((f) => ({ name: f, type: 'string', doc: `the ${f}` })) },
    null,
    2,
  );
const commit = (message: string): string => {
  git('add', '-A');
  git('commit', '-qm', message);
  return git('rev-parse', 'HEAD').trim();
};

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'git-history-'));
  git('init', '-q');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('a new schema file added beside an edited, similar one has no history of that other file', () => {
  writeFileSync(
    path.join(root, 'refunded.avsc'),
    schema('Refunded', ['eventId', 'orderId', 'refundId', 'reason']),
  );
  commit('refunded');
  writeFileSync(
    path.join(root, 'refunded.avsc'),
    schema('Refunded', ['eventId', 'orderId', 'refundId', 'reason', 'note']),
  );
  writeFileSync(
    path.join(root, 'expired.avsc'),
    schema('Expired', ['eventId', 'orderId', 'refundId', 'reason']),
  );
  const head = commit('expired, and refunded edited');
  expect(fileHistory(root, 'expired.avsc', head).map((v) => v.path)).toEqual(['expired.avsc']);
});

test('a real rename is followed: the old path is gone in the commit that introduced the new one', () => {
  writeFileSync(path.join(root, 'old.avsc'), schema('Order', ['eventId', 'orderId', 'amount']));
  commit('old');
  renameSync(path.join(root, 'old.avsc'), path.join(root, 'new.avsc'));
  const head = commit('renamed');
  expect(fileHistory(root, 'new.avsc', head).map((v) => v.path)).toEqual(['old.avsc']);
});
