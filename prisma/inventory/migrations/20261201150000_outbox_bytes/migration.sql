-- The outbox stores each event encoded (registry wire format): the relay sends the bytes as they are,
-- with no JSON parse and no re-encode. Rows written before this keep their JSON payload (value NULL),
-- which the relay still encodes with the topic's codec.
-- AlterTable
ALTER TABLE "outbox" ADD COLUMN "value" BYTEA,
ALTER COLUMN "payload" DROP NOT NULL;

-- The relay's one query (unpublished rows in id order) reads only the rows it wants, through this
-- partial index; pruning walks the primary key from its old end. Nothing looks rows up by
-- (published_at, id) or by event id (consumers deduplicate by it, in their inbox).
-- CreateIndex
CREATE INDEX "outbox_unpublished_idx" ON "outbox"("id") WHERE "published_at" IS NULL;

-- DropIndex
DROP INDEX "outbox_published_at_id_idx";

-- DropIndex
DROP INDEX "outbox_event_id_key";

-- Every published row leaves a dead entry in the partial index until a vacuum: vacuum the outbox after
-- every thousand changed rows, not after a fifth of the table (which grows with the retention).
ALTER TABLE "outbox" SET (
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_analyze_scale_factor = 0,
  autovacuum_analyze_threshold = 1000
);
