// Runs a real notification service for integration tests: its own scratch database and consumer group
// (positioned at the end of the topics it consumes), real Kafka and registry, an ephemeral port.
import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient } from '@orderflow/codec';
import { Topics } from '@orderflow/contracts';
import { createLogger } from '@orderflow/platform';
import { scratchDatabase } from '../../../tests/support/scratch-database';
import { isTestOrderId, positionGroupAtEnd, probeKafka } from '../../../tests/support/topic-probe';
import { createApp, type NotificationService, type StartedNotificationService } from '../src/app';
import { loadNotificationConfig } from '../src/config';

/** A running notification service under test. */
export interface NotificationHarness {
  service: NotificationService;
  running: StartedNotificationService;
  baseUrl: string;
  registry: SchemaRegistryClient;
  /** True when this instance published the event (its eventId is in this instance's outbox): other instances may share the topics. */
  published: (event: { eventId: string }) => Promise<boolean>;
  stop: () => Promise<void>;
}

/** Starts the notification service on a scratch database; `env` adds settings (e.g. NOTIFY_WEBHOOK_URL). */
export async function startNotification(
  label: string,
  env: Record<string, string> = {},
): Promise<NotificationHarness> {
  const db = await scratchDatabase('notification', label);
  const config = {
    ...loadNotificationConfig({ DATABASE_URL: db.url, ORDERFLOW_ENV: 'test', ...env }),
    port: 0,
  };
  const groupId = `notification-int-${label}-${randomUUID().slice(0, 8)}`;
  await positionGroupAtEnd(probeKafka(), groupId, [
    Topics.PaymentFailed,
    Topics.InventoryUpdated,
    Topics.PaymentRefunded,
  ]);
  const service = createApp(config, {
    groupId,
    // Only the orders the tests make up: the instance must not react to a live stack's orders.
    acceptOrder: isTestOrderId,
    logger: createLogger({ service: 'notification', level: 'silent' }),
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
