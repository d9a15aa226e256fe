-- The outbox holds exactly the events not yet published, encoded (registry wire format): the relay sends
-- the bytes as they are (no JSON parse, no re-encode) and deletes the rows it sent, so its one query
-- reads a small table through its primary key instead of walking a day of published rows.
-- Rows written before this keep their JSON payload (value NULL), which the relay still encodes with the
-- topic's codec; rows already published are not kept.
DELETE FROM "outbox" WHERE "published_at" IS NOT NULL;

-- DropIndex
DROP INDEX "outbox_published_at_id_idx";

-- DropIndex (nothing looks rows up by event id: consumers deduplicate by it, in their inbox)
DROP INDEX "outbox_event_id_key";

-- AlterTable
ALTER TABLE "outbox" DROP COLUMN "published_at",
ADD COLUMN "value" BYTEA,
ALTER COLUMN "payload" DROP NOT NULL;
