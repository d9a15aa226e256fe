// Pure rendering of the JVM components' configuration files, so the exact settings are unit-tested.

/** A Java .properties / zoo.cfg value map; insertion order is kept in the output. */
export type Properties = Readonly<Record<string, string | number | boolean>>;

/** Renders key=value lines (Java properties syntax) with an optional leading comment. */
export function renderProperties(props: Properties, comment?: string): string {
  const lines: string[] = [];
  if (comment !== undefined) for (const line of comment.split('\n')) lines.push(`# ${line}`);
  for (const [key, value] of Object.entries(props)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(key))
      throw new Error(`renderProperties: invalid key ${JSON.stringify(key)}`);
    // Backslashes would be read as escapes by java.util.Properties (Windows paths, regexes).
    lines.push(`${key}=${String(value).replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Settings for ZooKeeper's standalone server. */
export interface ZooKeeperOptions {
  readonly dataDir: string;
  readonly port: number;
}

/** zoo.cfg for a standalone ZooKeeper: no AdminServer (it would take 8080), 4-letter words for probes. */
export function zooKeeperConfig(opts: ZooKeeperOptions): Properties {
  return {
    dataDir: opts.dataDir,
    clientPort: opts.port,
    clientPortAddress: '127.0.0.1',
    tickTime: 2000,
    initLimit: 10,
    syncLimit: 5,
    maxClientCnxns: 0,
    'admin.enableServer': false,
    // `dump` lists ephemeral nodes: `up` uses it to see a killed broker's registration still there.
    '4lw.commands.whitelist': 'ruok,srvr,stat,dump',
    'autopurge.snapRetainCount': 3,
    'autopurge.purgeInterval': 1,
  };
}

/** Settings for one Kafka broker. */
export interface KafkaOptions {
  readonly logDir: string;
  readonly port: number;
  readonly zookeeperConnect: string;
  readonly partitions: number;
  /** This broker's id (default 0). */
  readonly brokerId?: number;
  /** Brokers in the cluster (default 1): sets the replication factors. */
  readonly brokers?: number;
  /** zookeeper.session.timeout.ms (default 18000, Kafka's own default). */
  readonly zookeeperSessionTimeoutMs?: number;
  /** SASL/SCRAM-SHA-512 with ACLs: the broker's own (super user) credentials. Absent: a PLAINTEXT listener, no ACLs. */
  readonly sasl?: { readonly adminUser: string; readonly adminPassword: string };
  /** With `sasl`: a second, SASL_SSL listener on `port` with this PKCS#12 key store (what a managed Kafka offers). */
  readonly tls?: { readonly port: number; readonly keystore: string; readonly password: string };
}

/** The listener and authorizer settings: SASL_PLAINTEXT with SCRAM-SHA-512 for clients and between brokers, ACLs
 * enforced (nothing is allowed without one), the admin a super user; or a PLAINTEXT listener. */
function listenerConfig(opts: KafkaOptions): Properties {
  if (opts.sasl === undefined)
    return {
      listeners: `PLAINTEXT://127.0.0.1:${opts.port}`,
      'advertised.listeners': `PLAINTEXT://localhost:${opts.port}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
    };
  const { adminUser, adminPassword } = opts.sasl;
  if (/["\\\n]/.test(adminUser + adminPassword))
    throw new Error('kafkaConfig: the admin credentials may not contain quotes, backslashes or newlines');
  const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${adminUser}" password="${adminPassword}";`;
  const tls = opts.tls;
  return {
    listeners: [
      `SASL_PLAINTEXT://127.0.0.1:${opts.port}`,
      ...(tls ? [`SASL_SSL://127.0.0.1:${tls.port}`] : []),
    ].join(','),
    'advertised.listeners': [
      `SASL_PLAINTEXT://localhost:${opts.port}`,
      ...(tls ? [`SASL_SSL://localhost:${tls.port}`] : []),
    ].join(','),
    'listener.security.protocol.map': tls
      ? 'SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL'
      : 'SASL_PLAINTEXT:SASL_PLAINTEXT',
    'inter.broker.listener.name': 'SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': jaas,
    ...(tls
      ? {
          'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': jaas,
          'ssl.keystore.type': 'PKCS12',
          'ssl.keystore.location': tls.keystore,
          'ssl.keystore.password': tls.password,
          'ssl.key.password': tls.password,
          // TLS 1.2 and 1.3 only; clients authenticate with SCRAM over it (no client certificate asked).
          'ssl.enabled.protocols': 'TLSv1.3,TLSv1.2',
          'ssl.client.auth': 'none',
        }
      : {}),
    'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
    'super.users': `User:${adminUser}`,
    'allow.everyone.if.no.acl.found': false,
  };
}

/** Replication of the topics in a cluster of `brokers`: factor up to 3, min.insync.replicas 2 once there are 3. */
export function replicationOf(brokers: number): { factor: number; minInsync: number } {
  const factor = Math.min(Math.max(brokers, 1), 3);
  return { factor, minInsync: factor >= 3 ? 2 : 1 };
}

/** server.properties for one broker in ZooKeeper mode. With one broker the replication settings must be 1
 * or groups and transactions hang; with three: factor 3, min.insync.replicas 2, no unclean election. */
export function kafkaConfig(opts: KafkaOptions): Properties {
  const { factor, minInsync } = replicationOf(opts.brokers ?? 1);
  return {
    'broker.id': opts.brokerId ?? 0,
    ...listenerConfig(opts),
    'log.dirs': opts.logDir,
    'zookeeper.connect': opts.zookeeperConnect,
    'zookeeper.connection.timeout.ms': 18000,
    'zookeeper.session.timeout.ms': opts.zookeeperSessionTimeoutMs ?? 18000,
    'num.partitions': opts.partitions,
    'default.replication.factor': factor,
    'min.insync.replicas': minInsync,
    'unclean.leader.election.enable': false,
    'offsets.topic.replication.factor': factor,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': factor,
    'transaction.state.log.min.isr': minInsync,
    'transaction.state.log.num.partitions': 10,
    'group.initial.rebalance.delay.ms': 0,
    // Topics come from the topic table; a typo in a topic name should fail, not create a topic.
    'auto.create.topics.enable': false,
    'delete.topic.enable': true,
    'log.retention.hours': 168,
    'log.segment.bytes': 104857600,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
    'controlled.shutdown.enable': true,
  };
}

/** log4j 1.x (reload4j) config that writes to stdout, which the stack redirects into .stack/logs. */
export function log4jConfig(level: 'INFO' | 'WARN' = 'INFO'): Properties {
  return {
    'log4j.rootLogger': `${level}, stdout`,
    'log4j.appender.stdout': 'org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout': 'org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern': '[%d] %p %m (%c)%n',
    'log4j.logger.kafka': 'INFO',
    'log4j.logger.org.apache.kafka': 'INFO',
    'log4j.logger.kafka.request.logger': 'WARN',
    'log4j.logger.state.change.logger': 'WARN',
    'log4j.logger.org.apache.zookeeper': 'INFO',
  };
}
