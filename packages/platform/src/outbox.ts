import { EventEmitter } from 'node:events';
import type { EventCodec, EventEnvelope } from './codec';
import type { SqlExecutor } from './sql';
import type { EventHeaders } from './tracing';

/** An event to publish: the codec of its topic (it encodes the event for the outbox) and the event. */
export interface Outgoing<T extends EventEnvelope = EventEnvelope> {
  readonly codec: Pick<EventCodec<T>, 'topic' | 'encode' | 'key'>;
  readonly event: T;
}

/** Pairs an event with its topic's codec, checking at compile time that they belong together. */
export function outgoing<T extends EventEnvelope>(codec: EventCodec<T>, event: NoInfer<T>): Outgoing<T> {
  return { codec, event };
}

/** Events to publish with the headers they are sent with (one handled message's, or one request's). */
export interface OutgoingGroup {
  readonly events: readonly Outgoing[];
  readonly headers: EventHeaders;
}

/**
 * Adds events to the outbox inside the caller's transaction, in one set-based INSERT whatever their
 * number: each row is keyed by its codec's key (the orderId for saga events) and holds the event already encoded in the registry's wire
 * format (the codec resolved its schema id at start-up), so the relay sends the bytes as they are.
 *
 * Nothing is signalled to PostgreSQL (no NOTIFY: notifying commits serialise server-wide). Once the
 * transaction has committed, call {@link wakeOutboxRelays} so this process's relay sends at once.
 */
export async function enqueueOutgoing(tx: SqlExecutor, groups: readonly OutgoingGroup[]): Promise<number> {
  const eventIds: string[] = [];
  const topics: string[] = [];
  const keys: string[] = [];
  const values: Buffer[] = [];
  const headers: string[] = [];
  for (const group of groups) {
    const encodedHeaders = JSON.stringify(group.headers);
    for (const { codec, event } of group.events) {
      eventIds.push(event.eventId);
      topics.push(codec.topic);
      keys.push(codec.key(event));
      values.push(await codec.encode(event));
      headers.push(encodedHeaders);
    }
  }
  if (eventIds.length === 0) return 0;
  await tx.$executeRawUnsafe(
    `INSERT INTO "outbox" ("event_id", "topic", "key", "value", "headers")
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::jsonb[])`,
    eventIds,
    topics,
    keys,
    values,
    headers,
  );
  return eventIds.length;
}

/**
 * Adds one event to the outbox inside the caller's transaction: for writers that are not message
 * handlers (HTTP routes, sweepers). A handler returns its events instead (see `EventHandler`).
 * Call {@link wakeOutboxRelays} after the commit.
 */
export async function enqueueOutbox<T extends EventEnvelope>(
  tx: SqlExecutor,
  codec: EventCodec<T>,
  event: T,
  headers: EventHeaders,
): Promise<void> {
  await enqueueOutgoing(tx, [{ events: [outgoing(codec, event)], headers }]);
}

const relays = new EventEmitter();
relays.setMaxListeners(0);

/**
 * Tells this process's outbox relays that rows committed: they send at once instead of at their next
 * safety poll. Call it after the commit (a wake before it finds nothing and waits for the poll).
 */
export function wakeOutboxRelays(): void {
  relays.emit('wake');
}

/** Subscribes a relay to {@link wakeOutboxRelays}; returns the unsubscribe function. */
export function onOutboxWake(listener: () => void): () => void {
  relays.on('wake', listener);
  return () => relays.off('wake', listener);
}
