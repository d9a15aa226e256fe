import { kafkaConfig, log4jConfig, renderProperties, zooKeeperConfig } from './properties';

/** Reads rendered properties back the way java.util.Properties would for these simple files. */
function parse(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    map.set(line.slice(0, i), line.slice(i + 1));
  }
  return map;
}

describe('renderProperties', () => {
  test('renders key=value lines in order with a comment header', () => {
    expect(renderProperties({ b: 1, a: 'x', c: false }, 'generated\nsecond line')).toBe(
      '# generated\n# second line\nb=1\na=x\nc=false\n',
    );
  });

  test('escapes backslashes and newlines so Java reads the same value', () => {
    expect(renderProperties({ path: 'C:\\data', multi: 'a\nb' })).toBe('path=C:\\\\data\nmulti=a\\nb\n');
  });

  test('rejects a key Java would split', () => {
    expect(() => renderProperties({ 'bad key': 1 })).toThrow('invalid key "bad key"');
  });
});

describe('zooKeeperConfig', () => {
  const cfg = parse(renderProperties(zooKeeperConfig({ dataDir: '/tmp/zk', port: 2181 })));

  test('listens on the given port with the data dir', () => {
    expect(cfg.get('clientPort')).toBe('2181');
    expect(cfg.get('dataDir')).toBe('/tmp/zk');
  });

  test('disables the AdminServer (it would take port 8080) and allows the probe words', () => {
    expect(cfg.get('admin.enableServer')).toBe('false');
    expect(cfg.get('4lw.commands.whitelist')?.split(',')).toEqual(expect.arrayContaining(['ruok', 'srvr']));
  });
});

describe('kafkaConfig', () => {
  const cfg = parse(
    renderProperties(
      kafkaConfig({ logDir: '/tmp/k', port: 9092, zookeeperConnect: '127.0.0.1:2181', partitions: 3 }),
    ),
  );

  test('binds 127.0.0.1 and advertises localhost on the port', () => {
    expect(cfg.get('listeners')).toBe('PLAINTEXT://127.0.0.1:9092');
    expect(cfg.get('advertised.listeners')).toBe('PLAINTEXT://localhost:9092');
    expect(cfg.get('zookeeper.connect')).toBe('127.0.0.1:2181');
  });

  test('has the single-broker settings without which groups and transactions hang', () => {
    expect(cfg.get('offsets.topic.replication.factor')).toBe('1');
    expect(cfg.get('transaction.state.log.replication.factor')).toBe('1');
    expect(cfg.get('transaction.state.log.min.isr')).toBe('1');
    expect(cfg.get('group.initial.rebalance.delay.ms')).toBe('0');
  });

  test('creates no topics by accident', () => {
    expect(cfg.get('auto.create.topics.enable')).toBe('false');
    expect(cfg.get('num.partitions')).toBe('3');
  });
});

/** The parsed server.properties of a SASL broker on 9092 (admin / pw-1), with `extra` options. */
function saslBroker(extra: Partial<Parameters<typeof kafkaConfig>[0]> = {}) {
  return parse(
    renderProperties(
      kafkaConfig({
        logDir: '/tmp/k',
        port: 9092,
        zookeeperConnect: '127.0.0.1:2181',
        partitions: 3,
        sasl: { adminUser: 'admin', adminPassword: 'pw-1' },
        ...extra,
      }),
    ),
  );
}

test('with SASL: SCRAM-SHA-512 on the only listener (clients and brokers), ACLs enforced, nothing allowed without one', () => {
  const cfg = saslBroker();
  expect(cfg.get('listeners')).toBe('SASL_PLAINTEXT://127.0.0.1:9092');
  expect(cfg.get('advertised.listeners')).toBe('SASL_PLAINTEXT://localhost:9092');
  expect(cfg.get('inter.broker.listener.name')).toBe('SASL_PLAINTEXT');
  expect(cfg.get('sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512');
  expect(cfg.get('sasl.mechanism.inter.broker.protocol')).toBe('SCRAM-SHA-512');
  expect(cfg.get('listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config')).toBe(
    'org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="pw-1";',
  );
  expect(cfg.get('authorizer.class.name')).toBe('kafka.security.authorizer.AclAuthorizer');
  expect(cfg.get('super.users')).toBe('User:admin');
  expect(cfg.get('allow.everyone.if.no.acl.found')).toBe('false');
  expect(() =>
    kafkaConfig({
      logDir: '/tmp/k',
      port: 9092,
      zookeeperConnect: 'z:1',
      partitions: 1,
      sasl: { adminUser: 'admin', adminPassword: 'a"b' },
    }),
  ).toThrow(/quotes/);
});

test('with TLS: a SASL_SSL listener beside SASL_PLAINTEXT, SCRAM on both, the brokers talk over SASL_PLAINTEXT', () => {
  const cfg = saslBroker({ tls: { port: 9192, keystore: '/s/tls/broker.p12', password: 'ks-pw' } });
  expect(cfg.get('listeners')).toBe('SASL_PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9192');
  expect(cfg.get('advertised.listeners')).toBe('SASL_PLAINTEXT://localhost:9092,SASL_SSL://localhost:9192');
  expect(cfg.get('listener.security.protocol.map')).toBe('SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL');
  expect(cfg.get('inter.broker.listener.name')).toBe('SASL_PLAINTEXT');
  expect(cfg.get('listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config')).toBe(
    cfg.get('listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config'),
  );
  expect(cfg.get('ssl.keystore.location')).toBe('/s/tls/broker.p12');
  expect(cfg.get('ssl.keystore.type')).toBe('PKCS12');
  expect(cfg.get('ssl.keystore.password')).toBe('ks-pw');
  expect(cfg.get('ssl.enabled.protocols')).toBe('TLSv1.3,TLSv1.2');
});

test('log4jConfig logs to stdout, which the stack redirects to .stack/logs', () => {
  const cfg = parse(renderProperties(log4jConfig()));
  expect(cfg.get('log4j.rootLogger')).toBe('INFO, stdout');
  expect(cfg.get('log4j.appender.stdout')).toBe('org.apache.log4j.ConsoleAppender');
});
