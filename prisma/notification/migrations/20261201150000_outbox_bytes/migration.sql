-- The outbox stores each event encoded (registry wire format): the relay sends the bytes as they are,
-- with no JSON parse and no re-encode. Rows written before this keep their JSON payload (value NULL),
-- which the relay still encodes with the topic's codec.
-- AlterTable
ALTER TABLE "outbox" ADD COLUMN "value" BYTEA,
ALTER COLUMN "payload" DROP NOT NULL;

-- The relay's one query (unpublished rows in id order) reads only the rows it wants.
-- CreateIndex
CREATE INDEX "outbox_unpublished_idx" ON "outbox"("id") WHERE "published_at" IS NULL;
