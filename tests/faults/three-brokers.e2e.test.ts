// One broker of three SIGKILLed under load, on the topology a production user runs: `npm run stack --
// up --brokers 3` (replication factor 3, min.insync.replicas 2, no unclean leader election) with the
// services given all three brokers. The killed broker is the controller (the harder failover: a new
// controller is elected and moves the dead broker's leaderships). With two replicas in sync, acks=all
// sends keep succeeding; the broker is restarted with `npm run stack -- up`. Then the oracle.
//
// The file brings the 3-broker stack up itself (fresh: the replication of existing topics cannot
// change in place) and restores the default 1-broker stack afterwards, each with the schemas
// registered and the services restarted on it.
import { randomUUID } from 'node:crypto';
import {
  adminKafkaSecurity,
  createKafka,
  createLogger,
  createMetricsRegistry,
  ManagedProducer,
} from '@orderflow/platform';
import { SERVICES } from '@orderflow/stack';
import type { Admin } from 'kafkajs';
import { probeKafka } from '../support/topic-probe';
import { closeDbs } from './support/fault-kit';
import {
  npmAsync,
  restartWith,
  sleep,
  stackPid,
  stackUp,
  underLoad,
  stockForLoad,
} from './support/under-load';

jest.setTimeout(900_000);

const THREE = 'localhost:9092,localhost:9093,localhost:9094';
const sku = `FAULT-3B-${randomUUID().slice(0, 8).toUpperCase()}`;

/** Replaces the stack (fresh) with one of `brokers` brokers, registers the schemas, restarts the services on it. */
async function replaceStack(brokers: 1 | 3): Promise<number> {
  const t0 = Date.now();
  await npmAsync(['stack', '--', 'down']);
  await npmAsync(['stack', '--', 'up', '--brokers', String(brokers), '--fresh']);
  await npmAsync(['schema', '--', 'register']);
  for (const { name } of SERVICES) await restartWith(name, brokers === 3 ? { KAFKA_BROKERS: THREE } : {});
  return Date.now() - t0;
}

let setupMs = 0;
beforeAll(async () => {
  setupMs = await replaceStack(3);
  await stockForLoad(sku);
});

afterAll(async () => {
  const restoreMs = await replaceStack(1);
  console.log(
    `[fault] three brokers: 3-broker stack + services up in ${(setupMs / 1000).toFixed(1)} s, 1-broker stack restored in ${(restoreMs / 1000).toFixed(1)} s`,
  );
  await closeDbs();
});

/** Polls until `check` holds (or fails with `what` after `ms`). */
async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

async function leaderOf(admin: Admin, topic: string, partition: number): Promise<number | undefined> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  return topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
}

// The outbox relay's batches span partitions led by different brokers. kafkajs 2.2.4 keeps the first
// attempt's per-broker answers across retries: when one broker acknowledges, the other answers
// "not the leader", and the partition's new leader is the broker that already answered, it resolves the
// send without ever delivering that partition's messages (an order stuck PAID in the controller case
// below was this). Here the move is made deterministic: partition 1 of a scratch topic is reassigned
// from broker B to broker A while the producer's metadata still names B.
test('a batch whose partition leader moved to a broker that already acknowledged is delivered whole', async () => {
  const admin = probeKafka(THREE.split(',')).admin();
  await admin.connect();
  const kafka = createKafka({
    clientId: 'leader-move-test',
    brokers: THREE.split(','),
    logger: createLogger({ service: 'test', level: 'silent' }),
    security: adminKafkaSecurity(),
  });
  const producer = new ManagedProducer(
    kafka,
    createLogger({ service: 'test', level: 'silent' }),
    createMetricsRegistry('test', { defaultMetrics: false }),
  );
  const topic = `leader-move-${randomUUID().slice(0, 8)}`;
  try {
    const ids = (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort();
    const [a, b, c] = ids as [number, number, number];
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          replicaAssignment: [
            { partition: 0, replicas: [a, b] },
            { partition: 1, replicas: [b, a] },
          ],
        },
      ],
    });
    await producer.connect();
    // The producer learns the layout: partition 0 on A, partition 1 on B.
    await producer.sendBatch({
      acks: -1,
      topicMessages: [
        {
          topic,
          messages: [
            { key: 'warm', value: 'p0', partition: 0 },
            { key: 'warm', value: 'p1', partition: 1 },
          ],
        },
      ],
    });
    await admin.alterPartitionReassignments({
      topics: [{ topic, partitionAssignment: [{ partition: 1, replicas: [a, c] }] }],
    });
    await until('partition 1 to move to broker A', async () => (await leaderOf(admin, topic, 1)) === a);
    await until(
      'the reassignment to finish',
      async () =>
        (await admin.listPartitionReassignments({ topics: [{ topic, partitions: [1] }] })).topics.length ===
        0,
    );

    const batch = (partition: number) =>
      Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `p${partition}-${i}`, partition }));
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: [...batch(0), ...batch(1)] }] });

    const offsets = await admin.fetchTopicOffsets(topic);
    const high = Object.fromEntries(offsets.map((o) => [o.partition, Number(o.high)]));
    // The warm-up message and the ten of the batch, on each partition, once.
    expect(high).toEqual({ 0: 11, 1: 11 });
  } finally {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
});

test('one of three brokers (the controller) SIGKILLed under load and restarted', async () => {
  let killed = '';
  await underLoad('controller broker of 3 SIGKILLed, restarted after 20 s', sku, async () => {
    const admin = probeKafka(THREE.split(',')).admin();
    await admin.connect();
    const { controller } = await admin.describeCluster();
    await admin.disconnect();
    killed = controller === 0 || controller === null ? 'kafka' : `kafka-${controller}`;
    process.kill(stackPid(killed), 'SIGKILL');
    // The load goes on against the two survivors (min.insync.replicas 2 still met).
    await sleep(20_000);
    await stackUp();
  });
  console.log(`[fault] three brokers: killed ${killed} (the controller)`);
});
