-- The saga tracker believes only what its own records support (services/order/src/tracking-saga): it
-- records the payment an order was charged by, and keeps events that arrived before what they depend on
-- (another topic) out of the status and the timeline until they are supported.
-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "payment_id" UUID;

-- CreateTable
CREATE TABLE "order_deferred_events" (
    "id" BIGSERIAL NOT NULL,
    "order_id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "fact" JSONB NOT NULL,
    "detail" JSONB NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "deferred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "refused_reason" TEXT,
    "refused_at" TIMESTAMPTZ(3),

    CONSTRAINT "order_deferred_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "order_deferred_events_event_id_key" ON "order_deferred_events"("event_id");

-- CreateIndex
CREATE INDEX "order_deferred_events_order_id_id_idx" ON "order_deferred_events"("order_id", "id");

-- AddForeignKey
ALTER TABLE "order_deferred_events" ADD CONSTRAINT "order_deferred_events_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill: orders already paid before this migration name their payment in the payment_successful
-- timeline line ("charged … , payment <uuid>", tracking-saga/describe.ts), so their saga goes on.
UPDATE "orders" o SET "payment_id" = p.payment_id
FROM (
  SELECT DISTINCT ON (e."order_id") e."order_id",
         substring(e."detail" #>> '{}' FROM 'payment ([0-9a-f-]{36})$')::uuid AS payment_id
  FROM "order_events" e
  WHERE e."type" = 'payment_successful' AND e."detail" #>> '{}' ~ 'payment [0-9a-f-]{36}$'
  ORDER BY e."order_id", e."id"
) p
WHERE o."id" = p."order_id" AND o."payment_id" IS NULL;
