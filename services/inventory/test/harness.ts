// Runs a real inventory service for integration tests: its own scratch database and consumer group
// (positioned at the end of the topics it consumes), real Kafka and registry, an ephemeral port.
import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient } from '@orderflow/codec';
import { Topics } from '@orderflow/contracts';
import { createLogger } from '@orderflow/platform';
import { scratchDatabase } from '../../../tests/support/scratch-database';
import { isTestOrderId, positionGroupAtEnd, probeKafka } from '../../../tests/support/topic-probe';
import { createApp, type InventoryService, type StartedInventoryService } from '../src/app';
import { loadInventoryConfig } from '../src/config';

/** A running inventory service under test. */
export interface InventoryHarness {
  service: InventoryService;
  running: StartedInventoryService;
  baseUrl: string;
  registry: SchemaRegistryClient;
  /** True when this instance published the event (its eventId is in this instance's outbox): other instances may share the topics. */
  published: (event: { eventId: string }) => Promise<boolean>;
  stop: () => Promise<void>;
}

/** Starts the inventory service on a scratch database; `env` adds settings (e.g. STOCK_CACHE_TTL_SECONDS). */
export async function startInventory(
  label: string,
  env: Record<string, string> = {},
): Promise<InventoryHarness> {
  const db = await scratchDatabase('inventory', label);
  const config = { ...loadInventoryConfig({ DATABASE_URL: db.url, ORDERFLOW_ENV: 'test', ...env }), port: 0 };
  const groupId = `inventory-int-${label}-${randomUUID().slice(0, 8)}`;
  await positionGroupAtEnd(probeKafka(), groupId, [Topics.PaymentSuccessful]);
  const service = createApp(config, {
    groupId,
    // Only the orders the tests make up: the instance must not react to a live stack's orders.
    acceptOrder: isTestOrderId,
    logger: createLogger({ service: 'inventory', level: 'silent' }),
  });
  const running = await service.start();
  return {
    service,
    running,
    baseUrl: `http://127.0.0.1:${running.port}`,
    registry: new SchemaRegistryClient({ url: config.schemaRegistryUrl }),
    published: async (event) =>
      (await service.db.outboxEvent.count({ where: { eventId: event.eventId } })) === 1,
    stop: async () => {
      await running.stop();
      await db.drop();
    },
  };
}
