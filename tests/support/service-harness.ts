// Runs a real service for integration tests: its own scratch database and consumer group (positioned at
// the end of the topics it consumes), real Kafka and registry, an ephemeral port.
import { randomUUID } from 'node:crypto';
import { registryAuthOption, SchemaRegistryClient } from '@orderflow/codec';
import { createLogger } from '@orderflow/platform';
import type { AssembledService, ServiceAppOptions, StartedService } from '@orderflow/platform';
import { scratchDatabase } from './scratch-database';
import { isTestOrderId, positionGroupAtEnd, probeKafka } from './topic-probe';

/** The outbox table every service's database has; `published` counts an event's rows in it. */
interface OutboxDb {
  outboxEvent: { count: (args: { where: { eventId: string } }) => Promise<number> };
}

/** A running service under test. */
export interface ServiceHarness<Service> {
  service: Service;
  running: StartedService;
  baseUrl: string;
  registry: SchemaRegistryClient;
  /** True when this instance published the event (its eventId is in this instance's outbox): other instances may share the topics. */
  published: (event: { eventId: string }) => Promise<boolean>;
  stop: () => Promise<void>;
}

/** What one service's harness supplies: its name, the topics it consumes, and how to configure and assemble it. */
export interface ServiceHarnessSpec<Config extends { schemaRegistryUrl: string }, Service> {
  name: 'order' | 'payment' | 'inventory' | 'notification';
  topics: string[];
  /** The service's configuration for this database URL (the harness then forces port 0). */
  configure: (databaseUrl: string) => Config;
  createApp: (config: Config, opts: ServiceAppOptions) => Service;
}

/** Starts the service `spec` describes on a scratch database named after `label`. */
export async function startServiceHarness<
  Config extends { schemaRegistryUrl: string; port: number },
  Service extends AssembledService<OutboxDb>,
>(spec: ServiceHarnessSpec<Config, Service>, label: string): Promise<ServiceHarness<Service>> {
  const db = await scratchDatabase(spec.name, label);
  const config = { ...spec.configure(db.url), port: 0 };
  const groupId = `${spec.name}-int-${label}-${randomUUID().slice(0, 8)}`;
  await positionGroupAtEnd(probeKafka(), groupId, spec.topics);
  const service = spec.createApp(config, {
    groupId,
    // Only the orders the tests make up: the instance must not react to a live stack's orders.
    acceptOrder: isTestOrderId,
    logger: createLogger({ service: spec.name, level: 'silent' }),
  });
  const running = await service.start();
  return {
    service,
    running,
    baseUrl: `http://127.0.0.1:${running.port}`,
    registry: new SchemaRegistryClient({ url: config.schemaRegistryUrl, ...registryAuthOption() }),
    published: async (event) =>
      (await service.db.outboxEvent.count({ where: { eventId: event.eventId } })) === 1,
    stop: async () => {
      await running.stop();
      await db.drop();
    },
  };
}
