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
import { SERVICES } from '@orderflow/stack';
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
