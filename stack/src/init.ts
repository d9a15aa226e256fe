// One-shot initialisation for docker-compose's `init` service (the local stack's `up` does the same
// itself): create the saga topics and their DLTs from schemas/topics.json, idempotently. The compose
// `init` command then runs the migrations and `npm run schema -- register`.
import { loadInitConfig } from './config';
import { createTopics } from './kafka-topics';
import { readTopicTable } from './topics';

async function main(): Promise<void> {
  const config = loadInitConfig();
  const specs = readTopicTable(config.topicsFile);
  const outcome = await createTopics(config.kafkaBrokers, specs);
  console.log(
    `topics: created ${outcome.created.length} (${outcome.created.join(', ') || 'none'}), ${outcome.existing.length} already there`,
  );
  for (const m of outcome.mismatched)
    console.warn(`topic ${m.topic} has ${m.actual} partitions; the topic table says ${m.expected}`);
}

main().catch((err: unknown) => {
  console.error('init failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
