import type { EventCodec, EventEnvelope } from './codec';
import type { SqlExecutor } from './sql';
import type { EventHeaders } from './tracing';

/** The channel the relay LISTENs on; enqueueing NOTIFYs it when the transaction commits. */
export const OUTBOX_CHANNEL = 'orderflow_outbox';

/**
 * Adds an event to the outbox inside the caller's transaction, keyed by its orderId. The payload is
 * stored in Avro's JSON encoding of the topic's schema (exact for timestamps, longs, enums, unions);
 * the relay encodes it with the codec when it publishes, so writing needs no registry round trip.
 */
export async function enqueueOutbox<T extends EventEnvelope>(
  tx: SqlExecutor,
  codec: EventCodec<T>,
  event: T,
  headers: EventHeaders,
): Promise<void> {
  const payload = codec.schema.toString(event);
  await tx.$executeRawUnsafe(
    `INSERT INTO "outbox" ("event_id", "topic", "key", "payload", "headers") VALUES ($1::uuid, $2, $3, $4::jsonb, $5::jsonb)`,
    event.eventId,
    codec.topic,
    event.orderId,
    payload,
    JSON.stringify(headers),
  );
  // Delivered only on commit, so the relay wakes for committed rows and never for rolled-back ones.
  await tx.$executeRawUnsafe(`SELECT pg_notify($1, '')`, OUTBOX_CHANNEL);
}
