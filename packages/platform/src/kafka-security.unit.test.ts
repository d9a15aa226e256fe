import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeKafkaSecurity, kafkaClientSecurity, kafkaSecurityFromEnv } from './kafka-security';

function stackDirWith(credentials: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kafka-security-'));
  writeFileSync(path.join(dir, 'kafka-credentials.json'), JSON.stringify(credentials));
  return dir;
}

const local = { mechanism: 'SCRAM-SHA-512', passwords: { admin: 'a-pw', payment: 'p-pw' } };

test('on a development machine a service authenticates as its own principal with the local stack’s credentials', () => {
  const security = kafkaSecurityFromEnv({ ORDERFLOW_STACK_DIR: stackDirWith(local) }, 'payment');
  expect(security).toMatchObject({
    protocol: 'SASL_PLAINTEXT',
    principal: 'payment',
    source: 'local stack',
    sasl: { mechanism: 'scram-sha-512', username: 'payment', password: 'p-pw' },
  });
  expect(describeKafkaSecurity(security)).toBe('SASL_PLAINTEXT as payment (scram-sha-512, from local stack)');
  expect(describeKafkaSecurity(security)).not.toContain('p-pw');
});

test('a principal the local stack has no credentials for is refused, saying what to do', () => {
  expect(() => kafkaSecurityFromEnv({ ORDERFLOW_STACK_DIR: stackDirWith(local) }, 'shipping')).toThrow(
    /no Kafka credentials for principal "shipping".*KAFKA_SASL_USERNAME/,
  );
});

test('without a credentials file, or in production, the client speaks PLAINTEXT unless told otherwise', () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'kafka-security-'));
  expect(kafkaSecurityFromEnv({ ORDERFLOW_STACK_DIR: empty }, 'order').protocol).toBe('PLAINTEXT');
  expect(
    kafkaSecurityFromEnv({ ORDERFLOW_STACK_DIR: stackDirWith(local), ORDERFLOW_ENV: 'production' }, 'payment')
      .protocol,
  ).toBe('PLAINTEXT');
  expect(kafkaClientSecurity(undefined)).toEqual({});
});

test('a managed Kafka: SASL_SSL with SCRAM-SHA-256 and a CA from the environment override the local stack', () => {
  const dir = stackDirWith(local);
  const ca = path.join(dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const security = kafkaSecurityFromEnv(
    {
      ORDERFLOW_STACK_DIR: dir,
      KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      KAFKA_SASL_USERNAME: 'svc-payment',
      KAFKA_SASL_PASSWORD: 'secret',
      KAFKA_SSL_CA_FILE: ca,
    },
    'payment',
  );
  expect(security.protocol).toBe('SASL_SSL');
  expect(security.source).toBe('environment');
  expect(kafkaClientSecurity(security)).toEqual({
    sasl: { mechanism: 'scram-sha-256', username: 'svc-payment', password: 'secret' },
    ssl: { rejectUnauthorized: true, ca: [expect.stringContaining('BEGIN CERTIFICATE')] },
  });
});

test('a password file instead of the password; TLS without SASL', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kafka-security-'));
  const file = path.join(dir, 'pw');
  writeFileSync(file, 'from-file\n');
  expect(
    kafkaSecurityFromEnv({ KAFKA_SASL_USERNAME: 'order', KAFKA_SASL_PASSWORD_FILE: file }, 'order').sasl,
  ).toEqual({ mechanism: 'scram-sha-512', username: 'order', password: 'from-file' });
  expect(kafkaSecurityFromEnv({ KAFKA_SECURITY_PROTOCOL: 'SSL' }, 'order')).toEqual({
    protocol: 'SSL',
    source: 'environment',
    ssl: { rejectUnauthorized: true },
  });
});

test('every problem of a bad setup is named at once, with the variable', () => {
  expect(() =>
    kafkaSecurityFromEnv(
      {
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'GSSAPI',
        KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem',
        KAFKA_SSL_CERT_FILE: '/nonexistent/cert.pem',
      },
      'order',
    ),
  ).toThrow(
    /KAFKA_SASL_MECHANISM="GSSAPI" is invalid.*KAFKA_SASL_USERNAME is not set.*KAFKA_SASL_PASSWORD.*is not set.*KAFKA_SSL_CA_FILE=\/nonexistent\/ca.pem cannot be read.*KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together/,
  );
  expect(() => kafkaSecurityFromEnv({ KAFKA_SECURITY_PROTOCOL: 'TLS' }, 'order')).toThrow(
    /KAFKA_SECURITY_PROTOCOL="TLS" is invalid; set it to one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/,
  );
  expect(() =>
    kafkaSecurityFromEnv({ KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT', KAFKA_SASL_USERNAME: 'order' }, 'order'),
  ).toThrow(/KAFKA_SASL_USERNAME is set but KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use SASL/);
});

test('a corrupt credentials file names the file and how to rewrite it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kafka-security-'));
  writeFileSync(path.join(dir, 'kafka-credentials.json'), '{"mechanism": "MD5"}');
  expect(() => kafkaSecurityFromEnv({ ORDERFLOW_STACK_DIR: dir }, 'order')).toThrow(
    /kafka-credentials.json is not a credentials file.*npm run stack -- up/,
  );
});
