import type { SqlExecutor } from './sql';

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
