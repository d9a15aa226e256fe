import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recordBrokers, recordedBrokers } from './cluster';
import {
  addressOf,
  brokerComponents,
  jvmComponents,
  kafkaBrokers,
  kindOf,
  loadConfig,
  logFileOf,
  portOf,
  withBrokers,
} from './config';
import { launchSpec, markerOf } from './jvm';
import { parseEphemeralPaths } from './probes';
import { kafkaConfig, renderProperties, replicationOf } from './properties';

const dir = mkdtempSync(path.join(os.tmpdir(), 'of-cluster-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = loadConfig({ ORDERFLOW_STACK_DIR: dir });

test('one broker stays the default: the same components, ports and heap as before', () => {
  expect(base.brokers).toBe(1);
  expect(jvmComponents(base)).toEqual(['zookeeper', 'kafka', 'registry']);
  expect(kafkaBrokers(base)).toEqual(['localhost:9092']);
  expect(launchSpec(base, 'kafka').args).toContain('-Xmx512m');
});

test('three brokers: kafka, kafka-1, kafka-2 on consecutive ports, each with its own id, data, config and a small heap', () => {
  const c = withBrokers(
    loadConfig({ ORDERFLOW_STACK_DIR: '/tmp/s', ORDERFLOW_STACK_PORTS: 'kafka=19092' }),
    3,
  );
  expect(brokerComponents(c)).toEqual(['kafka', 'kafka-1', 'kafka-2']);
  expect(jvmComponents(c)).toEqual(['zookeeper', 'kafka', 'kafka-1', 'kafka-2', 'registry']);
  expect(kafkaBrokers(c)).toEqual(['localhost:19092', 'localhost:19093', 'localhost:19094']);
  expect(portOf(c, 'kafka-2')).toBe(19094);
  expect(addressOf(c, 'kafka-1')).toBe('localhost:19093');
  expect(logFileOf(c, 'kafka-2')).toBe('/tmp/s/logs/kafka-2.log');
  expect(kindOf('kafka-2')).toBe('kafka');
  const spec = launchSpec(c, 'kafka-2');
  expect(spec.args).toEqual(expect.arrayContaining(['-Xmx384m', markerOf('kafka-2'), 'kafka.Kafka']));
  const props = spec.files['/tmp/s/conf/server-2.properties'] ?? '';
  expect(props).toContain('broker.id=2');
  expect(props).toContain('listeners=PLAINTEXT://127.0.0.1:19094');
  expect(props).toContain('log.dirs=/tmp/s/data/kafka-2');
  expect(() => withBrokers(c, 0)).toThrow(/--brokers takes a number from 1 to 5/);
});

test('replication: 1 on one broker; 3 with min.insync.replicas 2 and no unclean election on three', () => {
  expect(replicationOf(1)).toEqual({ factor: 1, minInsync: 1 });
  expect(replicationOf(3)).toEqual({ factor: 3, minInsync: 2 });
  const text = renderProperties(
    kafkaConfig({
      logDir: '/k',
      port: 9093,
      zookeeperConnect: 'z:1',
      partitions: 3,
      brokerId: 1,
      brokers: 3,
    }),
  );
  for (const line of [
    'default.replication.factor=3',
    'min.insync.replicas=2',
    'offsets.topic.replication.factor=3',
    'transaction.state.log.replication.factor=3',
    'transaction.state.log.min.isr=2',
    'unclean.leader.election.enable=false',
    'zookeeper.session.timeout.ms=18000',
  ])
    expect(text).toContain(line);
});

test('the broker count is recorded per stack folder; garbage reads as unrecorded', () => {
  expect(recordedBrokers(base)).toBeUndefined();
  recordBrokers(base, 3);
  expect(recordedBrokers(base)).toBe(3);
  writeFileSync(path.join(dir, 'cluster.json'), '{"brokers": "three"}');
  expect(recordedBrokers(base)).toBeUndefined();
});

test("ZooKeeper's dump reply lists the ephemeral nodes a killed broker left behind", () => {
  const dump = `SessionTracker dump:
Global Sessions(1):
0x1000003b2b90000	18000ms
ephemeral nodes dump:
Sessions with Ephemerals (1):
0x1000003b2b90000:
	/controller
	/brokers/ids/0
Connections dump:
`;
  expect(parseEphemeralPaths(dump)).toEqual(['/controller', '/brokers/ids/0']);
});
