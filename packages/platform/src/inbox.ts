import type { SqlExecutor } from './sql';

/**
 * Records that `consumer` handled `eventId`, inside the caller's transaction. Returns false when the
 * row already existed: the event was handled before and its effect must not be applied again.
 */
export async function recordInbox(
  tx: SqlExecutor,
  row: { consumer: string; eventId: string; topic: string; partition: number; offset: string },
): Promise<boolean> {
  const inserted = await tx.$executeRawUnsafe(
    `INSERT INTO "inbox" ("consumer", "event_id", "topic", "partition", "offset") VALUES ($1, $2::uuid, $3, $4, $5::bigint)
     ON CONFLICT ("consumer", "event_id") DO NOTHING`,
    row.consumer,
    row.eventId,
    row.topic,
    row.partition,
    row.offset,
  );
  return inserted === 1;
}

/**
 * Records a chunk of one partition's events in one statement, inside the caller's transaction. Returns,
 * per event in order, whether it is fresh: false when the consumer handled it before, or when the same
 * eventId came earlier in the chunk (only its first occurrence is handled).
 */
export async function recordInboxBatch(
  tx: SqlExecutor,
  at: { consumer: string; topic: string; partition: number },
  events: readonly { eventId: string; offset: string }[],
): Promise<boolean[]> {
  const rows = await tx.$queryRawUnsafe<{ event_id: string }[]>(
    `INSERT INTO "inbox" ("consumer", "event_id", "topic", "partition", "offset")
     SELECT $1, e, $2, $3, o FROM unnest($4::uuid[], $5::bigint[]) AS t(e, o)
     ON CONFLICT ("consumer", "event_id") DO NOTHING RETURNING event_id::text`,
    at.consumer,
    at.topic,
    at.partition,
    events.map((e) => e.eventId),
    events.map((e) => e.offset),
  );
  const inserted = new Set(rows.map((r) => r.event_id));
  return events.map((e) => inserted.delete(e.eventId.toLowerCase()));
}
