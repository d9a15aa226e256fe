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
