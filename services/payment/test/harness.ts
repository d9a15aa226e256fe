// Runs a real payment service for integration tests: its own scratch database and consumer group
// (positioned at the end of the topics it consumes), real Kafka and registry, an ephemeral port.
import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient } from '@orderflow/codec';
import { Topics } from '@orderflow/contracts';
import { createLogger } from '@orderflow/platform';
import { scratchDatabase } from '../../../tests/support/scratch-database';
import { isTestOrderId, positionGroupAtEnd, probeKafka } from '../../../tests/support/topic-probe';
import { createApp, type PaymentService, type StartedPaymentService } from '../src/app';
import { loadPaymentConfig } from '../src/config';

/** A running payment service under test. */
export interface PaymentHarness {
  service: PaymentService;
  running: StartedPaymentService;
  baseUrl: string;
  registry: SchemaRegistryClient;
  /** True when this instance published the event (its eventId is in this instance's outbox): other instances may share the topics. */
  published: (event: { eventId: string }) => Promise<boolean>;
  stop: () => Promise<void>;
}

/** Starts the payment service on a scratch database; `env` adds settings (e.g. PAYMENT_LIMIT_MINOR). */
export async function startPayment(label: string, env: Record<string, string> = {}): Promise<PaymentHarness> {
  const db = await scratchDatabase('payment', label);
  const config = { ...loadPaymentConfig({ DATABASE_URL: db.url, ORDERFLOW_ENV: 'test', ...env }), port: 0 };
  const groupId = `payment-int-${label}-${randomUUID().slice(0, 8)}`;
  await positionGroupAtEnd(probeKafka(), groupId, [Topics.OrderCreated, Topics.InventoryUpdated]);
  const service = createApp(config, {
    groupId,
    // Only the orders the tests make up: the instance must not react to a live stack's orders.
    acceptOrder: isTestOrderId,
    logger: createLogger({ service: 'payment', level: 'silent' }),
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
