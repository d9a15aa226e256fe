import { randomUUID } from 'node:crypto';
import {
  adminKafkaSecurity,
  kafkaClientSecurity,
  localCredentialsFile,
  readLocalCredentials,
  type KafkaSecurity,
} from '@orderflow/platform';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type Producer,
} from 'kafkajs';
import { stackEnv } from './stack-env';

// Kafka on the local stack is not open: every client authenticates with SCRAM-SHA-512, and the broker lets a
// service's principal write only what it produces (and its DLTs), read only what it consumes, and join only
// its own consumer groups — the ACLs the stack generates from schemas/topics.json.

const credentials = readLocalCredentials(localCredentialsFile());

function as(principal: string, password?: string): KafkaSecurity {
  const known = credentials?.passwords[principal];
  if (known === undefined)
    throw new Error(`no local credentials for ${principal}; run \`npm run stack -- up\``);
  return {
    protocol: 'SASL_PLAINTEXT',
    principal,
    source: 'local stack',
    sasl: { mechanism: 'scram-sha-512', username: principal, password: password ?? known },
  };
}

function client(security: KafkaSecurity | undefined, id: string): Kafka {
  return new Kafka({
    clientId: `acl-test-${id}`,
    brokers: stackEnv.kafkaBrokers,
    ...kafkaClientSecurity(security),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 0 },
  });
}

/** The broker's error type under kafkajs' wrappers (KafkaJSNonRetriableError → its cause), else the message. */
function errorType(err: unknown): string {
  let e = err as { type?: string; cause?: unknown; originalError?: unknown; message?: string } | undefined;
  for (let depth = 0; e !== undefined && depth < 5; depth++) {
    if (typeof e.type === 'string' && e.type !== 'UNKNOWN') return e.type;
    const next = (e.cause ?? e.originalError) as typeof e;
    if (next === undefined) break;
    e = next;
  }
  return e?.message ?? String(err);
}

/** What a produce by `principal` to `topic` ends in: 'written' or the broker's error type. */
async function produceAs(security: KafkaSecurity | undefined, topic: string): Promise<string> {
  const producer: Producer = client(security, 'producer').producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // An idempotent producer must retry (kafkajs); authorization errors are not retried anyway.
    retry: { retries: 1, initialRetryTime: 100 },
  });
  try {
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      // Not Avro: if the broker took it, a service would dead-letter it; the test wants it refused before.
      messages: [{ key: 'acl-test', value: `acl-test ${randomUUID()}` }],
    });
    return 'written';
  } catch (err) {
    return errorType(err);
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/** What joining `groupId` and reading `topic` as `principal` ends in: 'joined' or the broker's error type. */
async function consumeAs(security: KafkaSecurity, topic: string, groupId: string): Promise<string> {
  const consumer = client(security, 'consumer').consumer({ groupId, retry: { retries: 0 } });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    const joined = new Promise<string>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => resolve('joined'));
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
    });
    await consumer.run({ eachMessage: () => Promise.resolve() });
    return await joined;
  } catch (err) {
    return errorType(err);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

beforeAll(() => {
  expect(credentials).toBeDefined();
});

test('a service cannot publish an event it does not produce: notification writing inventory_updated (a forged RESERVED) is refused by the broker', async () => {
  expect(await produceAs(as('notification'), 'inventory_updated')).toBe('TOPIC_AUTHORIZATION_FAILED');
  expect(await produceAs(as('payment'), 'order_created')).toBe('TOPIC_AUTHORIZATION_FAILED');
  expect(await produceAs(as('order'), 'payment_successful')).toBe('TOPIC_AUTHORIZATION_FAILED');
  // A producer does not dead-letter its own topic: only its consumers do.
  expect(await produceAs(as('inventory'), 'inventory_updated.DLT')).toBe('TOPIC_AUTHORIZATION_FAILED');
}, 60_000);

test('the same principal and client write once an ACL allows it (control: the refusals are the ACLs, not the client)', async () => {
  // A scratch topic, so nothing lands on a saga topic or a DLT the services and other tests read.
  const topic = `acl_test_${randomUUID().slice(0, 8)}`;
  const admin = client(adminKafkaSecurity(), 'admin').admin();
  await admin.connect();
  const acl = {
    principal: 'User:inventory',
    host: '*',
    operation: AclOperationTypes.WRITE,
    permissionType: AclPermissionTypes.ALLOW,
    resourceType: AclResourceTypes.TOPIC,
    resourceName: topic,
    resourcePatternType: ResourcePatternTypes.LITERAL,
  };
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    expect(await produceAs(as('inventory'), topic)).toBe('TOPIC_AUTHORIZATION_FAILED');
    await admin.createAcls({ acl: [acl] });
    // ACL changes reach the broker's cache through ZooKeeper within a moment.
    let outcome = '';
    for (let i = 0; i < 20 && outcome !== 'written'; i++) {
      outcome = await produceAs(as('inventory'), topic);
      if (outcome !== 'written') await new Promise((r) => setTimeout(r, 500));
    }
    expect(outcome).toBe('written');
  } finally {
    await admin.deleteAcls({ filters: [acl] }).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}, 60_000);

test('a service reads only what it consumes, in groups named after it', async () => {
  // payment does not consume notification_sent.
  expect(await consumeAs(as('payment'), 'notification_sent', `payment-acl-${randomUUID()}`)).toBe(
    'TOPIC_AUTHORIZATION_FAILED',
  );
  // payment consumes order_created, but not in the order service's group.
  // kafkajs reports the broker's GROUP_AUTHORIZATION_FAILED on FindCoordinator as "Failed to find group
  // coordinator"; the next line (the same principal and topic in a group of its own) shows the coordinator is there.
  expect(await consumeAs(as('payment'), 'order_created', 'order-service')).toMatch(
    /GROUP_AUTHORIZATION_FAILED|Failed to find group coordinator/,
  );
  // payment consumes order_created in a group of its own.
  expect(await consumeAs(as('payment'), 'order_created', `payment-acl-${randomUUID()}`)).toBe('joined');
}, 90_000);

test('no credentials or a wrong password: the broker refuses the connection', async () => {
  expect(await produceAs(as('order', 'not-the-password'), 'order_created')).toMatch(/SASL|Authentication/i);
  expect(await produceAs(undefined, 'order_created')).not.toBe('written');
}, 60_000);

test('the stack itself (admin, the brokers’ super user) still manages everything', async () => {
  const admin = client(adminKafkaSecurity(), 'admin').admin();
  await admin.connect();
  try {
    expect(await admin.listTopics()).toEqual(
      expect.arrayContaining(['order_created', 'inventory_updated.DLT']),
    );
  } finally {
    await admin.disconnect();
  }
}, 30_000);
