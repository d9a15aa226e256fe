import path from 'node:path';
import { loadConfig } from './config';
import { dirMarkerOf, launchSpec, markerOf } from './jvm';

const config = loadConfig({ ORDERFLOW_STACK_DIR: '/tmp/of-stack' });

test('the config puts everything under the stack dir and uses the fixed ports', () => {
  expect(config.libDir).toBe('/tmp/of-stack/lib/kafka');
  expect(config.logDir).toBe('/tmp/of-stack/logs');
  expect(config.ports).toEqual({ zookeeper: 2181, kafka: 9092, registry: 8081, postgres: 5432, redis: 6379 });
  expect(config.java).toBe('java');
  expect(loadConfig({ JAVA_HOME: '/opt/jdk' }).java).toBe(path.join('/opt/jdk', 'bin', 'java'));
});

test('ZooKeeper runs ZooKeeperServerMain on the Kafka classpath with a small heap and its zoo.cfg', () => {
  const spec = launchSpec(config, 'zookeeper');
  expect(spec.args).toEqual(
    expect.arrayContaining([
      '-Xmx256m',
      markerOf('zookeeper'),
      '-cp',
      '/tmp/of-stack/lib/kafka/*',
      'org.apache.zookeeper.server.ZooKeeperServerMain',
    ]),
  );
  expect(spec.args.at(-1)).toBe('/tmp/of-stack/conf/zoo.cfg');
  expect(spec.files['/tmp/of-stack/conf/zoo.cfg']).toContain('clientPort=2181');
  expect(spec.files['/tmp/of-stack/conf/zoo.cfg']).toContain('dataDir=/tmp/of-stack/data/zookeeper');
});

test('Kafka runs kafka.Kafka with -Xmx512m and a server.properties pointing at ZooKeeper', () => {
  const spec = launchSpec(config, 'kafka');
  expect(spec.args).toEqual(expect.arrayContaining(['-Xmx512m', markerOf('kafka'), 'kafka.Kafka']));
  const props = spec.files['/tmp/of-stack/conf/server.properties'] ?? '';
  expect(props).toContain('zookeeper.connect=127.0.0.1:2181');
  expect(props).toContain('log.dirs=/tmp/of-stack/data/kafka');
});

test('the registry runs quarkus-run.jar on 8081 with the chosen Java and storage', () => {
  const memory = launchSpec(config, 'registry', { kind: 'memory' }, '/jdk25/bin/java');
  expect(memory.command).toBe('/jdk25/bin/java');
  expect(memory.args.slice(-2)).toEqual(['-jar', 'quarkus-run.jar']);
  expect(memory.cwd).toBe('/tmp/of-stack/apicurio/apicurio-registry-app-3.3.3');
  expect(memory.env['QUARKUS_HTTP_PORT']).toBe('8081');
  expect(memory.env['QUARKUS_MANAGEMENT_HOST']).toBe('127.0.0.1');
  expect(memory.env['QUARKUS_MANAGEMENT_PORT']).toBe('8091');
  expect(memory.env['APICURIO_STORAGE_SQL_KIND']).toBe('h2');
  const pg = launchSpec(config, 'registry', {
    kind: 'postgres',
    jdbcUrl: 'jdbc:postgresql://127.0.0.1:5432/orderflow_registry',
  });
  expect(pg.env['APICURIO_STORAGE_SQL_KIND']).toBe('postgresql');
  expect(pg.env['APICURIO_DATASOURCE_URL']).toBe('jdbc:postgresql://127.0.0.1:5432/orderflow_registry');
  // A small pool (PostgreSQL allows 100 connections in all) whose dead connections are dropped when
  // borrowed: after a database restart the registry answers 200 at once, not 500 per stale connection.
  expect(pg.env).toMatchObject({
    APICURIO_DATASOURCE_JDBC_MIN_SIZE: '2',
    APICURIO_DATASOURCE_JDBC_MAX_SIZE: '10',
    QUARKUS_DATASOURCE_POSTGRESQL_JDBC_VALIDATE_ON_BORROW: 'true',
  });
});

test('every JVM is tagged with its component and this checkout’s stack folder', () => {
  for (const c of ['zookeeper', 'kafka', 'registry'] as const) {
    expect(launchSpec(config, c).args).toEqual(
      expect.arrayContaining([markerOf(c), '-Dorderflow.stack.dir=/tmp/of-stack']),
    );
  }
  expect(dirMarkerOf(loadConfig({ ORDERFLOW_STACK_DIR: '/elsewhere' }))).toBe(
    '-Dorderflow.stack.dir=/elsewhere',
  );
});

describe('moving the stack (ORDERFLOW_STACK_PORTS, ORDERFLOW_STACK_CACHE_DIR, ORDERFLOW_REGISTRY_DATABASE)', () => {
  const moved = loadConfig({
    ORDERFLOW_STACK_DIR: '/tmp/iso',
    ORDERFLOW_STACK_CACHE_DIR: '/repo/.stack',
    ORDERFLOW_STACK_PORTS: 'zookeeper=12181, kafka=19092,registry=18081,registryManagement=18091,redis=16379',
    ORDERFLOW_REGISTRY_DATABASE: 'orderflow_registry_iso',
  });

  test('downloads come from the cache dir; data, logs and pids stay in the stack dir', () => {
    expect(moved.libDir).toBe('/repo/.stack/lib/kafka');
    expect(moved.apicurioDir).toBe('/repo/.stack/apicurio');
    expect(moved.dataDir).toBe('/tmp/iso/data');
    expect(moved.pidDir).toBe('/tmp/iso/pids');
  });

  test('every process uses the moved ports', () => {
    expect(moved.ports).toEqual({
      zookeeper: 12181,
      kafka: 19092,
      registry: 18081,
      postgres: 5432,
      redis: 16379,
    });
    expect(moved.redisUrl).toBe('redis://127.0.0.1:16379');
    expect(launchSpec(moved, 'kafka').files['/tmp/iso/conf/server.properties']).toContain(
      'zookeeper.connect=127.0.0.1:12181',
    );
    expect(launchSpec(moved, 'kafka').files['/tmp/iso/conf/server.properties']).toContain(
      'listeners=PLAINTEXT://127.0.0.1:19092',
    );
    expect(launchSpec(moved, 'registry').env['QUARKUS_MANAGEMENT_PORT']).toBe('18091');
    expect(moved.registryDatabase).toBe('orderflow_registry_iso');
  });

  test.each([
    ['kafak=1', 'unknown port name in "kafak=1"'],
    ['kafka=0', '"kafka=0" needs a port number 1-65535'],
    ['kafka=x', '"kafka=x" needs a port number'],
  ])('a bad ORDERFLOW_STACK_PORTS entry %s is named', (value, message) => {
    expect(() => loadConfig({ ORDERFLOW_STACK_PORTS: value })).toThrow(message);
  });
});
