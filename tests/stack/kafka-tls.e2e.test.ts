// The TLS path a managed Kafka needs (SASL_SSL), on the local stack's second listener: a client configured
// only through the environment variables a service reads connects, authenticates and round-trips a message;
// without the stack's CA it is refused during the handshake; and the payment service, restarted with
// nothing but those variables, carries an order's saga over TLS.
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import {
  kafkaClientSecurity,
  kafkaSecurityFromEnv,
  localCredentialsFile,
  readLocalCredentials,
} from '@orderflow/platform';
import {
  kafkaTlsBrokers,
  loadConfig,
  serviceLogFile,
  startService,
  stopService,
  tlsDirOf,
  tlsFiles,
  waitReady,
} from '@orderflow/stack';
import { Kafka, logLevel } from 'kafkajs';
import { orderRequest, placeOrder, waitForOrder } from '../e2e/support/saga';

jest.setTimeout(300_000);

const config = loadConfig();
const TLS_BROKERS = kafkaTlsBrokers(config);
const CA_FILE = tlsFiles(tlsDirOf(config.stackDir)).caPem;
const passwords = readLocalCredentials(localCredentialsFile())?.passwords ?? {};

/** The variables a service on a managed Kafka would be given. */
function tlsEnv(principal: string, withCa = true): Record<string, string> {
  const password = passwords[principal];
  if (password === undefined)
    throw new Error(`no local credentials for ${principal}; run \`npm run stack -- up\``);
  return {
    KAFKA_BROKERS: TLS_BROKERS.join(','),
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: principal,
    KAFKA_SASL_PASSWORD: password,
    ...(withCa ? { KAFKA_SSL_CA_FILE: CA_FILE } : {}),
  };
}

function clientFrom(env: Record<string, string>): Kafka {
  return new Kafka({
    clientId: `tls-test-${randomUUID().slice(0, 8)}`,
    brokers: TLS_BROKERS,
    ...kafkaClientSecurity(kafkaSecurityFromEnv(env, env['KAFKA_SASL_USERNAME'] ?? '')),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    retry: { retries: 1 },
  });
}

test('a client configured by KAFKA_SECURITY_PROTOCOL=SASL_SSL and KAFKA_SSL_CA_FILE round-trips a message over TLS', async () => {
  const kafka = clientFrom(tlsEnv('admin'));
  const admin = kafka.admin();
  const topic = `tls-test-${randomUUID().slice(0, 8)}`;
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const value = `over TLS ${randomUUID()}`;
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `${topic}-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const read = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('nothing read back within 60 s')), 60_000);
      void consumer
        .run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(String(message.value));
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(read).toBe(value);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
});

test("without the stack's CA the handshake is refused (the broker's certificate is not trusted)", async () => {
  const admin = clientFrom(tlsEnv('admin', false)).admin();
  await expect(admin.connect()).rejects.toThrow(/certificate/i);
  await admin.disconnect().catch(() => undefined);
});

test('the payment service, given only the SASL_SSL variables, carries an order to its end over TLS', async () => {
  if (!(await stopService('payment')))
    throw new Error(
      'the payment service on :8002 was not started by npm start or this harness, so this suite cannot restart it; stop it and run again',
    );
  const logFile = serviceLogFile('payment');
  const logStart = statSync(logFile, { throwIfNoEntry: false })?.size ?? 0;
  try {
    await startService('payment', { env: tlsEnv('payment') });
    await waitReady('payment', { timeoutMs: 120_000 });
    const log = readFileSync(logFile).subarray(logStart).toString();
    expect(log).toContain('SASL_SSL as payment');

    const placed = await placeOrder(
      orderRequest({ customer: { id: `tls-${randomUUID()}`, email: 'tls@example.com', name: 'T' } }),
    );
    const order = await waitForOrder(placed.id, (o) => o.completed, 90_000);
    expect(order.status).toBe('CONFIRMED');
  } finally {
    await stopService('payment');
    await startService('payment');
    await waitReady('payment', { timeoutMs: 120_000 });
  }
});
