// One-shot initialisation for docker-compose's `init` service (the local stack's `up` does the same
// itself): create the saga topics and their DLTs from schemas/topics.json, idempotently, and make the
// services' Kafka ACLs exactly what the table grants. Connects as the brokers' super user
// (KAFKA_SASL_USERNAME=admin, KAFKA_SASL_PASSWORD). The compose `init` command then runs the migrations
// and `npm run schema -- register`.
import { describeKafkaSecurity } from '@orderflow/platform';
import { loadInitConfig } from './config';
import { aclsOf, adminSecurityFromEnv, applyAcls, readAccessTable } from './kafka-auth';
import { createTopics, withKafkaAdmin } from './kafka-topics';
import { readTopicTable } from './topics';

async function main(): Promise<void> {
  const config = loadInitConfig();
  const security = adminSecurityFromEnv();
  console.log(`kafka: ${config.kafkaBrokers.join(',')}, ${describeKafkaSecurity(security)}`);
  const specs = readTopicTable(config.topicsFile);
  const outcome = await createTopics(config.kafkaBrokers, specs, undefined, security);
  console.log(
    `topics: created ${outcome.created.length} (${outcome.created.join(', ') || 'none'}), ${outcome.existing.length} already there`,
  );
  for (const m of outcome.mismatched)
    console.warn(`topic ${m.topic} has ${m.actual} partitions; the topic table says ${m.expected}`);
  const access = readAccessTable(config.topicsFile);
  const acls = await withKafkaAdmin(config.kafkaBrokers, security, (admin) =>
    applyAcls(admin, aclsOf(access), access.services),
  );
  console.log(
    `ACLs of ${access.services.join(', ')}: ${acls.created} created, ${acls.unchanged} unchanged, ${acls.removed} removed`,
  );
}

main().catch((err: unknown) => {
  console.error('init failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
