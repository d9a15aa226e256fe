// How a client authenticates to Kafka: SASL/SCRAM (or PLAIN) over plaintext or TLS, from the environment, so a
// service connects to a managed Kafka unchanged. Without settings, on a development machine, the credentials the
// local stack made for the principal (`.stack/kafka-credentials.json`, written by `npm run stack -- up`).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
export { registryAuthFromEnv, type RegistryAuth } from '@orderflow/codec';

/** Kafka's security.protocol values. */
export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];
/** The SASL mechanisms a client may use (SCRAM-SHA-512 is the local stack's and compose's). */
export const KAFKA_SASL_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** What a kafkajs client needs to authenticate: `sasl` and `ssl` as its constructor takes them. */
export interface KafkaSecurity {
  readonly protocol: KafkaSecurityProtocol;
  /** The principal (SASL user name), for logs and error messages; absent without SASL. */
  readonly principal?: string;
  /** Where the credentials came from: `environment` or the local stack's credentials file. */
  readonly source: 'environment' | 'local stack' | 'none';
  readonly sasl?: SASLOptions;
  readonly ssl?: ConnectionOptions | boolean;
}

/** No authentication (a broker with a PLAINTEXT listener). */
export const PLAINTEXT: KafkaSecurity = { protocol: 'PLAINTEXT', source: 'none' };

/** The local stack's credentials file: one password per principal. */
export interface LocalKafkaCredentials {
  readonly mechanism: KafkaSaslMechanism;
  readonly passwords: Readonly<Record<string, string>>;
}

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** Where the local stack keeps its Kafka credentials (ORDERFLOW_STACK_DIR moves the stack folder). */
export function localCredentialsFile(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const stackDir = env['ORDERFLOW_STACK_DIR'] ?? path.join(repoRoot, '.stack');
  return path.join(path.resolve(stackDir), 'kafka-credentials.json');
}

/** Reads the local stack's credentials file; undefined when there is none. Throws naming the file when it is unreadable. */
export function readLocalCredentials(file: string): LocalKafkaCredentials | undefined {
  if (!existsSync(file)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(
      `${file} is not valid JSON (${(err as Error).message}); run \`npm run stack -- up\` to rewrite it`,
    );
  }
  const v = value as Partial<LocalKafkaCredentials> | null;
  if (
    v === null ||
    typeof v !== 'object' ||
    !(KAFKA_SASL_MECHANISMS as readonly unknown[]).includes(v.mechanism) ||
    typeof v.passwords !== 'object' ||
    v.passwords === null
  )
    throw new Error(
      `${file} is not a credentials file (mechanism, passwords); run \`npm run stack -- up\` to rewrite it`,
    );
  return v as LocalKafkaCredentials;
}

function saslOf(mechanism: KafkaSaslMechanism, username: string, password: string): SASLOptions {
  switch (mechanism) {
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username, password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'PLAIN':
      return { mechanism: 'plain', username, password };
  }
}

function readPem(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${variable}=${file} cannot be read: ${(err as Error).message}`);
  }
}

/**
 * The client security of `principal`, from:
 * - KAFKA_SECURITY_PROTOCOL (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL; default SASL_PLAINTEXT when a user is set),
 * - KAFKA_SASL_MECHANISM (SCRAM-SHA-512 default, SCRAM-SHA-256, PLAIN), KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD
 *   (or KAFKA_SASL_PASSWORD_FILE),
 * - KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE + KAFKA_SSL_KEY_FILE (mutual TLS), KAFKA_SSL_REJECT_UNAUTHORIZED (true).
 * With none of them set and ORDERFLOW_ENV not production, the local stack's credentials of `principal` when its
 * file exists, else PLAINTEXT. Throws one message listing every problem.
 */
export function kafkaSecurityFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  principal: string,
): KafkaSecurity {
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const problems: string[] = [];
  const protocolRaw = get('KAFKA_SECURITY_PROTOCOL')?.toUpperCase();
  const username = get('KAFKA_SASL_USERNAME');
  const explicit = protocolRaw !== undefined || username !== undefined;
  if (!explicit) {
    if (get('ORDERFLOW_ENV') === 'production') return PLAINTEXT;
    const file = localCredentialsFile(env);
    const local = readLocalCredentials(file);
    if (local === undefined) return PLAINTEXT;
    const password = local.passwords[principal];
    if (password === undefined)
      throw new Error(
        `${file} has no Kafka credentials for principal "${principal}" (it has ${Object.keys(local.passwords).join(', ')}); ` +
          'set KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD, or run `npm run stack -- up` after adding the service to schemas/topics.json',
      );
    return {
      protocol: 'SASL_PLAINTEXT',
      principal,
      source: 'local stack',
      sasl: saslOf(local.mechanism, principal, password),
    };
  }
  if (protocolRaw !== undefined && !(KAFKA_SECURITY_PROTOCOLS as readonly string[]).includes(protocolRaw))
    problems.push(
      `KAFKA_SECURITY_PROTOCOL=${JSON.stringify(protocolRaw)} is invalid; set it to one of ${KAFKA_SECURITY_PROTOCOLS.join(', ')}`,
    );
  const protocol = (
    (KAFKA_SECURITY_PROTOCOLS as readonly string[]).includes(protocolRaw ?? '')
      ? protocolRaw
      : 'SASL_PLAINTEXT'
  ) as KafkaSecurityProtocol;
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';

  let sasl: SASLOptions | undefined;
  if (usesSasl) {
    const mechanismRaw = (get('KAFKA_SASL_MECHANISM') ?? 'SCRAM-SHA-512').toUpperCase();
    const mechanism = (KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanismRaw)
      ? (mechanismRaw as KafkaSaslMechanism)
      : undefined;
    if (mechanism === undefined)
      problems.push(
        `KAFKA_SASL_MECHANISM=${JSON.stringify(mechanismRaw)} is invalid; set it to one of ${KAFKA_SASL_MECHANISMS.join(', ')}`,
      );
    const passwordFile = get('KAFKA_SASL_PASSWORD_FILE');
    let password = get('KAFKA_SASL_PASSWORD');
    if (password === undefined && passwordFile !== undefined) {
      try {
        password = readFileSync(passwordFile, 'utf8').trim();
      } catch (err) {
        problems.push(`KAFKA_SASL_PASSWORD_FILE=${passwordFile} cannot be read: ${(err as Error).message}`);
      }
    }
    if (username === undefined)
      problems.push(`KAFKA_SASL_USERNAME is not set; ${protocol} needs the principal's user name`);
    if (password === undefined && passwordFile === undefined)
      problems.push(
        `KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) is not set; ${protocol} needs a password`,
      );
    if (mechanism !== undefined && username !== undefined && password !== undefined)
      sasl = saslOf(mechanism, username, password);
  } else if (username !== undefined) {
    problems.push(`KAFKA_SASL_USERNAME is set but KAFKA_SECURITY_PROTOCOL=${protocol} does not use SASL`);
  }

  let ssl: ConnectionOptions | undefined;
  if (usesTls) {
    const rejectRaw = get('KAFKA_SSL_REJECT_UNAUTHORIZED')?.toLowerCase() ?? 'true';
    if (!['true', 'false'].includes(rejectRaw))
      problems.push(
        `KAFKA_SSL_REJECT_UNAUTHORIZED=${JSON.stringify(rejectRaw)} is invalid; set it to true or false`,
      );
    const options: { -readonly [K in keyof ConnectionOptions]: ConnectionOptions[K] } = {
      rejectUnauthorized: rejectRaw !== 'false',
    };
    const pem = (variable: string): string | undefined => {
      const file = get(variable);
      if (file === undefined) return undefined;
      try {
        return readPem(variable, file);
      } catch (err) {
        problems.push((err as Error).message);
        return undefined;
      }
    };
    const ca = pem('KAFKA_SSL_CA_FILE');
    if (ca !== undefined) options.ca = [ca];
    const cert = pem('KAFKA_SSL_CERT_FILE');
    const key = pem('KAFKA_SSL_KEY_FILE');
    if ((get('KAFKA_SSL_CERT_FILE') === undefined) !== (get('KAFKA_SSL_KEY_FILE') === undefined))
      problems.push(
        'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (mutual TLS); set both or neither',
      );
    if (cert !== undefined && key !== undefined) {
      options.cert = cert;
      options.key = key;
    }
    ssl = options;
  } else {
    for (const v of ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'])
      if (get(v) !== undefined)
        problems.push(`${v} is set but KAFKA_SECURITY_PROTOCOL=${protocol} does not use TLS`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return {
    protocol,
    source: 'environment',
    ...(username !== undefined && usesSasl ? { principal: username } : {}),
    ...(sasl !== undefined ? { sasl } : {}),
    ...(ssl !== undefined ? { ssl } : {}),
  };
}

/** The operator's security (the DLT replay CLI, the bench, the tests' own clients): from the environment, or the local
 * stack's `admin` (the brokers' super user). */
export function adminKafkaSecurity(
  env: Readonly<Record<string, string | undefined>> = process.env,
): KafkaSecurity {
  return kafkaSecurityFromEnv(env, 'admin');
}

/** The `sasl` and `ssl` options of a kafkajs client (none for PLAINTEXT or absent security). */
export function kafkaClientSecurity(security: KafkaSecurity | undefined): {
  sasl?: SASLOptions;
  ssl?: ConnectionOptions | boolean;
} {
  return {
    ...(security?.sasl === undefined ? {} : { sasl: security.sasl }),
    ...(security?.ssl === undefined ? {} : { ssl: security.ssl }),
  };
}

/** What a log line may say of the security: protocol, principal and source, never the password. */
export function describeKafkaSecurity(security: KafkaSecurity): string {
  return security.principal === undefined
    ? security.protocol
    : `${security.protocol} as ${security.principal} (${security.sasl?.mechanism ?? 'no SASL'}, from ${security.source})`;
}
