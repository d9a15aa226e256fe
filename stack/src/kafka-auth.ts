// Kafka authentication and authorization of the local stack (and of compose's `init`): one SCRAM principal
// per service plus `admin`, and ACLs generated from schemas/topics.json — a service writes only the topics it
// produces and the dead-letter topics of what it consumes, reads only what it consumes, and joins only
// consumer groups named after itself.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  kafkaSecurityFromEnv,
  readLocalCredentials,
  type KafkaSecurity,
  type LocalKafkaCredentials,
} from '@orderflow/platform';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Admin,
  type AclEntry,
} from 'kafkajs';
import { StackError } from './errors';
import { DLT_SUFFIX } from './topics';

/** The broker's super user: the stack itself, the tests' tooling and the DLT replay CLI. */
export const ADMIN_PRINCIPAL = 'admin';
/** The SASL mechanism of the local stack and compose. */
export const SCRAM_MECHANISM = 'SCRAM-SHA-512';
/** SCRAM iterations (Kafka's minimum is 4096). */
export const SCRAM_ITERATIONS = 4096;

/** Who produces and consumes a topic, as schemas/topics.json says. */
export interface TopicAccess {
  readonly topic: string;
  readonly producer: string;
  readonly consumers: readonly string[];
}

/** The services and their topics, read from the topic table's JSON value. */
export interface AccessTable {
  readonly services: readonly string[];
  readonly topics: readonly TopicAccess[];
}

/** Reads services, producers and consumers from the topic table; throws naming the bad entry. */
export function accessTableFrom(value: unknown, file: string): AccessTable {
  const fail = (what: string): never => {
    throw new StackError('BAD_CONFIG', `${file}: ${what}`);
  };
  const table = (typeof value === 'object' && value !== null ? value : fail('must be an object')) as Record<
    string,
    unknown
  >;
  const services = table['services'];
  if (
    !Array.isArray(services) ||
    !services.every((s) => typeof s === 'string' && /^[a-z][a-z0-9-]*$/.test(s))
  )
    return fail('"services" must be an array of service names (a-z, 0-9, -)');
  const names = services as string[];
  const rawTopics = table['topics'];
  if (!Array.isArray(rawTopics)) return fail('"topics" must be an array');
  const topics = rawTopics.map((entry: unknown, i): TopicAccess => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const topic = e['topic'];
    const producer = e['producer'];
    const consumers = e['consumers'];
    if (typeof topic !== 'string') return fail(`topics[${i}].topic must be a string`);
    if (typeof producer !== 'string' || !names.includes(producer))
      return fail(`topics[${i}].producer must be one of "services" (${names.join(', ')})`);
    if (!Array.isArray(consumers) || !consumers.every((c) => typeof c === 'string' && names.includes(c)))
      return fail(`topics[${i}].consumers must list services of "services" (${names.join(', ')})`);
    return { topic, producer, consumers: consumers as string[] };
  });
  if (names.includes(ADMIN_PRINCIPAL))
    fail(`"${ADMIN_PRINCIPAL}" is the broker's super user, not a service name`);
  return { services: names, topics };
}

/** Reads the topic table file's access entries. */
export function readAccessTable(file: string): AccessTable {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new StackError('BAD_CONFIG', `cannot read the topic table ${file}: ${(err as Error).message}`);
  }
  return accessTableFrom(value, file);
}

/** One ACL: ALLOW `operation` on a resource to `User:<principal>` from any host. */
export interface AclRule {
  readonly principal: string;
  readonly resourceType: 'TOPIC' | 'GROUP';
  readonly resourceName: string;
  readonly pattern: 'LITERAL' | 'PREFIXED';
  readonly operation: 'READ' | 'WRITE' | 'CREATE';
}

/**
 * The ACLs of every service: WRITE on the topics it produces; READ on the topics it consumes; WRITE and CREATE on
 * their dead-letter topics (it dead-letters what it cannot handle and creates a missing DLT at start-up); READ on
 * consumer groups whose id starts with its name. WRITE implies DESCRIBE and the idempotent producer's
 * InitProducerId (KIP-679); READ implies DESCRIBE (offsets, lag). Nothing else: no other topic, no cluster
 * operation, no topic deletion or configuration.
 */
export function aclsOf(table: AccessTable): AclRule[] {
  const rules: AclRule[] = [];
  const add = (rule: AclRule): void => {
    if (!rules.some((r) => JSON.stringify(r) === JSON.stringify(rule))) rules.push(rule);
  };
  for (const service of table.services) {
    for (const t of table.topics) {
      if (t.producer === service)
        add({
          principal: service,
          resourceType: 'TOPIC',
          resourceName: t.topic,
          pattern: 'LITERAL',
          operation: 'WRITE',
        });
      if (t.consumers.includes(service)) {
        add({
          principal: service,
          resourceType: 'TOPIC',
          resourceName: t.topic,
          pattern: 'LITERAL',
          operation: 'READ',
        });
        for (const operation of ['WRITE', 'CREATE'] as const)
          add({
            principal: service,
            resourceType: 'TOPIC',
            resourceName: `${t.topic}${DLT_SUFFIX}`,
            pattern: 'LITERAL',
            operation,
          });
      }
    }
    if (table.topics.some((t) => t.consumers.includes(service)))
      add({
        principal: service,
        resourceType: 'GROUP',
        resourceName: service,
        pattern: 'PREFIXED',
        operation: 'READ',
      });
  }
  return rules;
}

function entryOf(rule: AclRule): AclEntry {
  return {
    principal: `User:${rule.principal}`,
    host: '*',
    permissionType: AclPermissionTypes.ALLOW,
    operation: AclOperationTypes[rule.operation],
    resourceType: AclResourceTypes[rule.resourceType],
    resourceName: rule.resourceName,
    resourcePatternType: ResourcePatternTypes[rule.pattern],
  };
}

const keyOf = (e: {
  principal: string;
  operation: number;
  permissionType: number;
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  host: string;
}): string =>
  [
    e.principal,
    e.host,
    e.permissionType,
    e.operation,
    e.resourceType,
    e.resourceName,
    e.resourcePatternType,
  ].join('|');

/** What applyAcls changed. */
export interface AclOutcome {
  readonly created: number;
  readonly unchanged: number;
  readonly removed: number;
}

/**
 * Makes the broker's ACLs of `principals` exactly `rules`: creates the missing ones and deletes the ones the
 * table no longer grants (a consumer removed from a topic loses its READ). Other principals' ACLs are untouched.
 */
export async function applyAcls(
  admin: Admin,
  rules: readonly AclRule[],
  principals: readonly string[],
): Promise<AclOutcome> {
  const wanted = new Map(rules.map((r) => [keyOf(entryOf(r)), entryOf(r)]));
  const existing = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  const present = new Map<string, AclEntry>();
  for (const resource of existing.resources)
    for (const acl of resource.acls) {
      const entry: AclEntry = {
        ...acl,
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
        resourcePatternType: resource.resourcePatternType,
      };
      if (principals.some((p) => acl.principal === `User:${p}`)) present.set(keyOf(entry), entry);
    }
  const missing = [...wanted.entries()].filter(([k]) => !present.has(k)).map(([, e]) => e);
  const stale = [...present.entries()].filter(([k]) => !wanted.has(k)).map(([, e]) => e);
  if (missing.length > 0) await admin.createAcls({ acl: missing });
  if (stale.length > 0) await admin.deleteAcls({ filters: stale });
  return { created: missing.length, unchanged: wanted.size - missing.length, removed: stale.length };
}

/** The principals of the local stack: `admin` and one per service. */
export function principalsOf(table: AccessTable): string[] {
  return [ADMIN_PRINCIPAL, ...table.services];
}

/** The local stack's credentials file (mode 0600; git-ignored with the rest of `.stack`). */
export function credentialsFileOf(stackDir: string): string {
  return path.join(stackDir, 'kafka-credentials.json');
}

/** Reads the credentials file, adding a random password for each principal that has none; writes it back if changed. */
export function ensureCredentials(file: string, principals: readonly string[]): LocalKafkaCredentials {
  const current = readLocalCredentials(file) ?? { mechanism: SCRAM_MECHANISM, passwords: {} };
  const passwords: Record<string, string> = { ...current.passwords };
  let changed = !existsSync(file);
  for (const p of principals)
    if (passwords[p] === undefined) {
      passwords[p] = randomBytes(24).toString('base64url');
      changed = true;
    }
  const out: LocalKafkaCredentials = { mechanism: current.mechanism, passwords };
  if (changed) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return out;
}

/** The admin's password in the credentials. */
export function adminPasswordOf(credentials: LocalKafkaCredentials): string {
  const password = credentials.passwords[ADMIN_PRINCIPAL];
  if (password === undefined)
    throw new StackError('BAD_CONFIG', 'the Kafka credentials file has no admin password');
  return password;
}

/** The admin's client security on the local stack (the stack's own clients: probes, topics, ACLs). */
export function adminSecurity(credentials: LocalKafkaCredentials): KafkaSecurity {
  const password = adminPasswordOf(credentials);
  return {
    protocol: 'SASL_PLAINTEXT',
    principal: ADMIN_PRINCIPAL,
    source: 'local stack',
    sasl: { mechanism: 'scram-sha-512', username: ADMIN_PRINCIPAL, password },
  };
}

/** The admin's security from the environment (compose `init`: KAFKA_SASL_USERNAME=admin …). */
export function adminSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaSecurity {
  return kafkaSecurityFromEnv(env, ADMIN_PRINCIPAL);
}

/** True when `stored` (Kafka's `salt=…,stored_key=…,server_key=…,iterations=…`) was made from `password` (RFC 5802). */
export function scramMatches(stored: string, password: string): boolean {
  const fields = new Map(
    stored.split(',').map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()] as const;
    }),
  );
  const salt = fields.get('salt');
  const storedKey = fields.get('stored_key');
  const iterations = Number(fields.get('iterations'));
  if (salt === undefined || storedKey === undefined || !Number.isInteger(iterations) || iterations < 1)
    return false;
  const salted = pbkdf2Sync(password, Buffer.from(salt, 'base64'), iterations, 64, 'sha512');
  const clientKey = createHmac('sha512', salted).update('Client Key').digest();
  return createHash('sha512').update(clientKey).digest('base64') === storedKey;
}

/** Reads ConfigCommand's `--describe --entity-type users` output: principal → its SCRAM-SHA-512 credential. */
export function parseScramDescribe(output: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of output.split('\n')) {
    const m = /^Configs for user-principal '([^']+)' are (.*)$/.exec(line.trim());
    if (m === null) continue;
    const scram = /SCRAM-SHA-512=(salt=[^,]+,stored_key=[^,]+,server_key=[^,]+,iterations=\d+)/.exec(m[2]!);
    if (scram !== null) out.set(m[1]!, scram[1]!);
  }
  return out;
}

/** The arguments of Kafka's ConfigCommand that store `principal`'s SCRAM credential in ZooKeeper. */
export function scramAlterArgs(zookeeper: string, principal: string, password: string): string[] {
  if (/[,\]=\s]/.test(password))
    throw new StackError('BAD_CONFIG', `the Kafka password of ${principal} may not contain , ] = or spaces`);
  return [
    'kafka.admin.ConfigCommand',
    '--zookeeper',
    zookeeper,
    '--alter',
    '--add-config',
    `${SCRAM_MECHANISM}=[iterations=${SCRAM_ITERATIONS},password=${password}]`,
    '--entity-type',
    'users',
    '--entity-name',
    principal,
  ];
}
