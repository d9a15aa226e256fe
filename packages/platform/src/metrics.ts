import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A service's own Prometheus registry, labelled with its name, with Node's default metrics. */
export function createMetricsRegistry(service: string, opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

// Several platform parts share one registry; each metric is created once per registry.
function once<M>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

/** The platform's metrics in a registry (created on first use). */
export function platformMetrics(registry: Registry) {
  return {
    eventsConsumed: once(
      registry,
      'orderflow_events_consumed_total',
      () =>
        new Counter({
          name: 'orderflow_events_consumed_total',
          help: 'Events consumed, by topic and outcome (handled, duplicate, dead_lettered)',
          labelNames: ['topic', 'outcome'],
          registers: [registry],
        }),
    ),
    handlerRetries: once(
      registry,
      'orderflow_event_handler_retries_total',
      () =>
        new Counter({
          name: 'orderflow_event_handler_retries_total',
          help: 'Retries of events, by topic and failure class (transient outage or bounded unknown error)',
          labelNames: ['topic', 'class'],
          registers: [registry],
        }),
    ),
    handlerSeconds: once(
      registry,
      'orderflow_event_handler_duration_seconds',
      () =>
        new Histogram({
          name: 'orderflow_event_handler_duration_seconds',
          help: 'Time from receiving an event to its effect being committed',
          labelNames: ['topic'],
          buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers: [registry],
        }),
    ),
    deadLetters: once(
      registry,
      'orderflow_dead_letters_total',
      () =>
        new Counter({
          name: 'orderflow_dead_letters_total',
          help: 'Events sent to <topic>.DLT, by original topic and class (permanent, bounded)',
          labelNames: ['topic', 'class'],
          registers: [registry],
        }),
    ),
    consumerLag: once(
      registry,
      'orderflow_consumer_lag',
      () =>
        new Gauge({
          name: 'orderflow_consumer_lag',
          help: 'Messages behind the high watermark, per topic and partition (as of the last batch)',
          labelNames: ['topic', 'partition'],
          registers: [registry],
        }),
    ),
    stalledPartitions: once(
      registry,
      'orderflow_consumer_stalled_partitions',
      () =>
        new Gauge({
          name: 'orderflow_consumer_stalled_partitions',
          help: 'Partitions paused while their first unhandled message waits for a retry',
          labelNames: ['group'],
          registers: [registry],
        }),
    ),
    consumerCrashes: once(
      registry,
      'orderflow_consumer_crashes_total',
      () =>
        new Counter({
          name: 'orderflow_consumer_crashes_total',
          help: 'kafkajs consumer crashes (each is followed by a restart)',
          labelNames: ['group'],
          registers: [registry],
        }),
    ),
    consumerStallRestarts: once(
      registry,
      'orderflow_consumer_stall_restarts_total',
      () =>
        new Counter({
          name: 'orderflow_consumer_stall_restarts_total',
          help: 'Consumers recreated by the watchdog: unhandled messages on assigned partitions, nothing fetched for too long',
          labelNames: ['group'],
          registers: [registry],
        }),
    ),
    consumerState: once(
      registry,
      'orderflow_consumer_state',
      () =>
        new Gauge({
          name: 'orderflow_consumer_state',
          help: '1 for the state the consumer is in (idle, starting, running, restarting, stopped, failed)',
          labelNames: ['group', 'state'],
          registers: [registry],
        }),
    ),
    relayFailures: once(
      registry,
      'orderflow_outbox_relay_failures_total',
      () =>
        new Counter({
          name: 'orderflow_outbox_relay_failures_total',
          help: 'Outbox relay publishing failures',
          registers: [registry],
        }),
    ),
    producerRecreations: once(
      registry,
      'orderflow_producer_recreations_total',
      () =>
        new Counter({
          name: 'orderflow_producer_recreations_total',
          help: 'Idempotent producers recreated after a fatal error (out-of-order sequence, unknown producer id, epoch)',
          registers: [registry],
        }),
    ),
    producerResends: once(
      registry,
      'orderflow_producer_partial_acks_total',
      () =>
        new Counter({
          name: 'orderflow_producer_partial_acks_total',
          help: 'Sends kafkajs resolved without an acknowledgement for every partition they carried (a leader moved during its retry); the unacknowledged messages were resent',
          registers: [registry],
        }),
    ),
    relayBatchRows: once(
      registry,
      'orderflow_outbox_relay_batch_rows',
      () =>
        new Histogram({
          name: 'orderflow_outbox_relay_batch_rows',
          help: 'Outbox rows sent per Kafka sendBatch',
          buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
          registers: [registry],
        }),
    ),
    consumerChunkMessages: once(
      registry,
      'orderflow_consumer_chunk_messages',
      () =>
        new Histogram({
          name: 'orderflow_consumer_chunk_messages',
          help: "Messages of a topic handled per consumer transaction (a transaction can take several topics' chunks)",
          labelNames: ['topic'],
          buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
          registers: [registry],
        }),
    ),
    consumerTransactionMessages: once(
      registry,
      'orderflow_consumer_transaction_messages',
      () =>
        new Histogram({
          name: 'orderflow_consumer_transaction_messages',
          help: 'Messages handled per consumer transaction, all topics and partitions it took, by consumer group',
          labelNames: ['group'],
          buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
          registers: [registry],
        }),
    ),
    eventsProduced: once(
      registry,
      'orderflow_events_produced_total',
      () =>
        new Counter({
          name: 'orderflow_events_produced_total',
          help: 'Events published to Kafka, by topic',
          labelNames: ['topic'],
          registers: [registry],
        }),
    ),
    httpRequests: once(
      registry,
      'orderflow_http_requests_total',
      () =>
        new Counter({
          name: 'orderflow_http_requests_total',
          help: 'HTTP requests by method, route and status',
          labelNames: ['method', 'route', 'status'],
          registers: [registry],
        }),
    ),
    httpSeconds: once(
      registry,
      'orderflow_http_request_duration_seconds',
      () =>
        new Histogram({
          name: 'orderflow_http_request_duration_seconds',
          help: 'HTTP request duration by method and route',
          labelNames: ['method', 'route'],
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
          registers: [registry],
        }),
    ),
  };
}

/** A gauge whose value is computed at scrape time (e.g. outbox lag read from the database). */
export function asyncGauge(
  registry: Registry,
  name: string,
  help: string,
  read: () => Promise<number>,
): Gauge {
  return once(
    registry,
    name,
    () =>
      new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          try {
            this.set(await read());
          } catch {
            // A failed read leaves the last value; /ready reports the database itself.
          }
        },
      }),
  );
}
