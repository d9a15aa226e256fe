import type { EventCodec, EventEnvelope } from './codec';
import type { SqlExecutor } from './sql';
import type { EventHeaders } from './tracing';

/** The channel the relay LISTENs on; enqueueing NOTIFYs it when the transaction commits. */
export const OUTBOX_CHANNEL = 'orderflow_outbox';

/** An event to publish: the codec of its topic (the relay encodes with it) and the event. */
export interface Outgoing<T extends EventEnvelope = EventEnvelope> {
  readonly codec: EventCodec<T>;
  readonly event: T;
}

/** Pairs an event with its topic's codec, checking at compile time that they belong together. */
export function outgoing<T extends EventEnvelope>(codec: EventCodec<T>, event: NoInfer<T>): Outgoing<T> {
  return { codec, event };
}

/**
 * Adds events to the outbox inside the caller's transaction (one INSERT), each keyed by its orderId and
 * sent with `headers`. A payload is stored in Avro's JSON encoding of its topic's schema (exact for
 * timestamps, longs, enums, unions); the relay encodes it with the codec when it publishes, so writing
 * needs no registry round trip.
 */
export async function enqueueOutgoing(
  tx: SqlExecutor,
  events: readonly Outgoing[],
  headers: EventHeaders,
): Promise<void> {
  if (events.length === 0) return;
  const values: unknown[] = [];
  const rows = events.map(({ codec, event }, i) => {
    values.push(event.eventId, codec.topic, event.orderId, codec.schema.toString(event));
    const p = i * 4;
    return `($${p + 1}::uuid, $${p + 2}, $${p + 3}, $${p + 4}::jsonb, $${events.length * 4 + 1}::jsonb)`;
  });
  values.push(JSON.stringify(headers));
  await tx.$executeRawUnsafe(
    `INSERT INTO "outbox" ("event_id", "topic", "key", "payload", "headers") VALUES ${rows.join(', ')}`,
    ...values,
  );
  // Delivered only on commit, so the relay wakes for committed rows and never for rolled-back ones.
  await tx.$executeRawUnsafe(`SELECT pg_notify($1, '')`, OUTBOX_CHANNEL);
}

/**
 * Adds one event to the outbox inside the caller's transaction: for writers that are not message
 * handlers (HTTP routes, sweepers). A handler returns its events instead (see `EventHandler`).
 */
export function enqueueOutbox<T extends EventEnvelope>(
  tx: SqlExecutor,
  codec: EventCodec<T>,
  event: T,
  headers: EventHeaders,
): Promise<void> {
  return enqueueOutgoing(tx, [outgoing(codec, event)], headers);
}
