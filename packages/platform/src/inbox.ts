import type { SqlExecutor } from './sql';

/**
 * Records a chunk of one partition's events in one statement, inside the caller's transaction. Returns,
 * per event in order, whether it is fresh: false when the consumer handled it before, or when the same
 * eventId came earlier in the chunk (only its first occurrence is handled).
 */
export function recordInboxBatch(
  tx: SqlExecutor,
  at: { consumer: string; topic: string; partition: number },
  events: readonly { eventId: string; offset: string }[],
): Promise<boolean[]> {
  return recordInbox(
    tx,
    at.consumer,
    events.map((e) => ({ topic: at.topic, partition: at.partition, ...e })),
  );
}

/**
 * {@link recordInboxBatch} for events of any topics and partitions (the chunks of several partitions
 * handled in one transaction), in one statement.
 */
export async function recordInbox(
  tx: SqlExecutor,
  consumer: string,
  events: readonly { topic: string; partition: number; eventId: string; offset: string }[],
): Promise<boolean[]> {
  const rows = await tx.$queryRawUnsafe<{ event_id: string }[]>(
    `INSERT INTO "inbox" ("consumer", "event_id", "topic", "partition", "offset")
     SELECT $1, e, t, p, o FROM unnest($2::uuid[], $3::text[], $4::int[], $5::bigint[]) AS x(e, t, p, o)
     ON CONFLICT ("consumer", "event_id") DO NOTHING RETURNING event_id::text`,
    consumer,
    events.map((e) => e.eventId),
    events.map((e) => e.topic),
    events.map((e) => e.partition),
    events.map((e) => e.offset),
  );
  const inserted = new Set(rows.map((r) => r.event_id));
  return events.map((e) => inserted.delete(e.eventId.toLowerCase()));
}
