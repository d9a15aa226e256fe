import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  accessTableFrom,
  aclsOf,
  ensureCredentials,
  parseScramDescribe,
  principalsOf,
  readAccessTable,
  scramAlterArgs,
  scramMatches,
  type AclRule,
} from './kafka-auth';
import { meaningfulStderr } from './scram';
import { loadConfig } from './config';

const table = readAccessTable(loadConfig({}).topicsFile);
const rules = aclsOf(table);
const of = (
  principal: string,
  operation: AclRule['operation'],
  type: AclRule['resourceType'] = 'TOPIC',
): string[] =>
  rules
    .filter((r) => r.principal === principal && r.operation === operation && r.resourceType === type)
    .map((r) => `${r.resourceName}${r.pattern === 'PREFIXED' ? '*' : ''}`)
    .sort();

test('from schemas/topics.json: the notification service writes notification_sent and the DLTs of what it reads, nothing else', () => {
  expect(of('notification', 'WRITE')).toEqual(
    [
      'notification_sent',
      'inventory_updated.DLT',
      'order_expired.DLT',
      'payment_failed.DLT',
      'payment_refunded.DLT',
    ].sort(),
  );
  expect(of('notification', 'READ')).toEqual(
    ['inventory_updated', 'order_expired', 'payment_failed', 'payment_refunded'].sort(),
  );
  expect(of('notification', 'READ', 'GROUP')).toEqual(['notification*']);
});

test('every principal may write exactly the topics it produces plus its consumed topics’ DLTs, and read exactly what it consumes', () => {
  for (const service of table.services) {
    const produced = table.topics.filter((t) => t.producer === service).map((t) => t.topic);
    const consumed = table.topics.filter((t) => t.consumers.includes(service)).map((t) => t.topic);
    expect(of(service, 'WRITE')).toEqual([...produced, ...consumed.map((t) => `${t}.DLT`)].sort());
    expect(of(service, 'READ')).toEqual([...consumed].sort());
    expect(of(service, 'CREATE')).toEqual(consumed.map((t) => `${t}.DLT`).sort());
  }
  // No wildcard, no cluster operation, no deletion or configuration for any service.
  expect(
    rules.every((r) => r.resourceName !== '*' && ['READ', 'WRITE', 'CREATE'].includes(r.operation)),
  ).toBe(true);
  expect(principalsOf(table)).toEqual(['admin', 'order', 'payment', 'inventory', 'notification']);
});

test('a topic table naming an unknown producer or consumer is refused, naming the entry', () => {
  expect(() =>
    accessTableFrom(
      { services: ['order'], topics: [{ topic: 'x', producer: 'order', consumers: ['shipping'] }] },
      'topics.json',
    ),
  ).toThrow(/topics.json: topics\[0\].consumers must list services of "services" \(order\)/);
  expect(() => accessTableFrom({ services: ['admin'], topics: [] }, 'topics.json')).toThrow(/super user/);
});

test('credentials: a random password per principal, kept across runs, new principals added, file readable by its owner only', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'creds-')), 'kafka-credentials.json');
  const first = ensureCredentials(file, ['admin', 'order']);
  expect(first.mechanism).toBe('SCRAM-SHA-512');
  expect(first.passwords['admin']).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(first.passwords['admin']).not.toBe(first.passwords['order']);
  const second = ensureCredentials(file, ['admin', 'order', 'payment']);
  expect(second.passwords['admin']).toBe(first.passwords['admin']);
  expect(Object.keys(second.passwords)).toEqual(['admin', 'order', 'payment']);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(second);
  expect(statSync(file).mode & 0o777).toBe(0o600);
});

// Kafka 3.9.1's ConfigCommand output for `--add-config 'SCRAM-SHA-512=[iterations=4096,password=secret1]'`.
const DESCRIBED =
  "Configs for user-principal 'testuser' are SCRAM-SHA-512=salt=bnRpYWIzdWk0N2pzdzJkejh1OXNvYnVrcQ==," +
  'stored_key=zVsePRUGXJhj6YyQYlNsvDu/JWf0rWsZ02r96AzGicpelgjuZ/KfrWw+YIqYri/CHKXL6hHW4H1mOvJ3x6u+Gw==,' +
  'server_key=djjU1G0S9nSuDkl8KAHDEBlQ/lBky2XKT9JZHRAc3BenTOERNtiYd5wUnNsGxTZjLME84s+TGmOrbp/xMPpOzw==,iterations=4096';

test('a credential Kafka stored is recognised as made from its password (so `up` rewrites only what changed)', () => {
  const stored = parseScramDescribe(`Warning: --zookeeper is deprecated\n${DESCRIBED}\n`);
  expect([...stored.keys()]).toEqual(['testuser']);
  expect(scramMatches(stored.get('testuser')!, 'secret1')).toBe(true);
  expect(scramMatches(stored.get('testuser')!, 'secret2')).toBe(false);
  expect(scramMatches('salt=,iterations=x', 'secret1')).toBe(false);
});

test('the ConfigCommand line that stores a credential, refusing passwords that would break its syntax', () => {
  expect(scramAlterArgs('127.0.0.1:2181', 'order', 'pw_1-x')).toEqual([
    'kafka.admin.ConfigCommand',
    '--zookeeper',
    '127.0.0.1:2181',
    '--alter',
    '--add-config',
    'SCRAM-SHA-512=[iterations=4096,password=pw_1-x]',
    '--entity-type',
    'users',
    '--entity-name',
    'order',
  ]);
  expect(() => scramAlterArgs('z:1', 'order', 'a,b')).toThrow(/may not contain/);
});

test("a failed ConfigCommand is reported by what it said, not by log4j's start-up warnings", () => {
  const stderr = [
    'log4j:WARN No appenders could be found for logger (kafka.utils.Log4jControllerRegistration$).',
    'log4j:WARN Please initialize the log4j system properly.',
    'Error while executing config command with args ...',
    'org.apache.zookeeper.KeeperException$ConnectionLossException: KeeperErrorCode = ConnectionLoss',
    '',
  ].join('\n');
  expect(meaningfulStderr(stderr)).toEqual([
    'Error while executing config command with args ...',
    'org.apache.zookeeper.KeeperException$ConnectionLossException: KeeperErrorCode = ConnectionLoss',
  ]);
});
