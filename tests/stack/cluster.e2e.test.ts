import { adminKafkaSecurity, kafkaClientSecurity } from '@orderflow/platform';
import { Kafka, logLevel } from 'kafkajs';
import { portOpen, ScratchStack } from './scratch-stack';

// Issue 7: `up --brokers 3` runs a three-broker cluster (ports kafka, kafka+1, kafka+2): every saga topic,
// DLT and internal topic replicated 3 times with min.insync.replicas 2 and no unclean election; `status`
// and `down` cover every broker. On a scratch stack (own folder and ports), never the shared one.
const scratch = new ScratchStack('cluster', {
  zookeeper: 13381,
  kafka: 19392,
  registry: 18381,
  registryManagement: 18391,
});
const brokers = ['localhost:19392', 'localhost:19393', 'localhost:19394'];

afterAll(() => scratch.destroy());

test('up --brokers 3: three brokers, topics with RF 3 / ISR 3 / min.insync.replicas 2; down stops them all', async () => {
  for (const port of [...scratch.portList, 19393, 19394]) expect(await portOpen(port)).toBe(false);

  const cold = scratch.cli('up', '--brokers', '3', '--fresh');
  console.log(
    `cluster: up --brokers 3 --fresh took ${(cold.ms / 1000).toFixed(1)} s\n${cold.out
      .split('\n')
      .filter((l) => /^✓ (kafka|topics)|^up in|^KAFKA_BROKERS/.test(l))
      .join('\n')}`,
  );
  for (const [i, b] of ['kafka', 'kafka-1', 'kafka-2'].entries())
    expect(cold.out).toMatch(new RegExp(`^${b}\\s+\\| up\\s+\\| localhost:${19392 + i}`, 'm'));
  expect(cold.out).toContain(`KAFKA_BROKERS=${brokers.join(',')}`);
  expect(cold.code).toBe(0);

  const kafka = new Kafka({
    clientId: 'cluster-e2e',
    brokers,
    ...kafkaClientSecurity(adminKafkaSecurity({ ORDERFLOW_STACK_DIR: scratch.dir })),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    expect((await admin.describeCluster()).brokers.map((b) => b.nodeId).sort()).toEqual([0, 1, 2]);
    // A consumer group's first commit creates __consumer_offsets with the cluster's replication.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'order_created', acks: -1, messages: [{ key: 'k', value: 'v' }] });
    await producer.disconnect();
    await admin.setOffsets({
      groupId: 'cluster-e2e',
      topic: 'order_created',
      partitions: [{ partition: 0, offset: '0' }],
    });

    const topics = ['order_created', 'order_created.DLT', 'notification_sent.DLT', '__consumer_offsets'];
    const meta = await admin.fetchTopicMetadata({ topics });
    for (const t of meta.topics)
      for (const p of t.partitions) {
        expect({ topic: t.name, replicas: p.replicas.length }).toEqual({ topic: t.name, replicas: 3 });
        expect({ topic: t.name, isr: p.isr.length }).toEqual({ topic: t.name, isr: 3 });
      }
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: ['order_created', 'payment_failed.DLT', '__consumer_offsets'].map((name) => ({
        type: 2,
        name,
      })),
    });
    for (const r of configs.resources) {
      const value = (n: string): string | undefined =>
        r.configEntries.find((e) => e.configName === n)?.configValue;
      expect({ topic: r.resourceName, minIsr: value('min.insync.replicas') }).toEqual({
        topic: r.resourceName,
        minIsr: '2',
      });
      expect(value('unclean.leader.election.enable')).toBe('false');
    }
  } finally {
    await admin.disconnect();
  }

  // Later commands remember the cluster: status lists every broker; changing the count needs --fresh.
  const status = scratch.cli('status');
  expect(status.out).toMatch(/^kafka-2\s+\| up/m);
  expect(status.code).toBe(0);
  const shrink = scratch.cli('up', '--brokers', '1');
  expect(shrink.code).toBe(1);
  expect(shrink.out).toContain('created with 3 broker(s)');

  expect(scratch.processes()).toHaveLength(5);
  const down = scratch.cli('down');
  expect(down.out).toMatch(/stopping kafka-2 .*stopped/);
  expect(down.code).toBe(0);
  expect(scratch.processes()).toEqual([]);
  for (const port of [19392, 19393, 19394]) expect(await portOpen(port)).toBe(false);
}, 480_000);
