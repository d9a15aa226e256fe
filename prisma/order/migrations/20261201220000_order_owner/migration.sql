-- Orders belong to the authenticated caller (the bearer token's subject): GET /orders and
-- GET /orders/{id} read only the caller's orders, and an Idempotency-Key is unique per caller, so two
-- customers' equal keys make two orders.
-- Orders placed before authentication belonged to the customer their request named.
-- AlterTable
ALTER TABLE "orders" ADD COLUMN "owner_id" TEXT;
UPDATE "orders" SET "owner_id" = "customer_id";
ALTER TABLE "orders" ALTER COLUMN "owner_id" SET NOT NULL;

-- AlterTable: a key takes its order's owner.
ALTER TABLE "idempotency_keys" ADD COLUMN "owner_id" TEXT;
UPDATE "idempotency_keys" AS k SET "owner_id" = o."owner_id" FROM "orders" AS o WHERE o."id" = k."order_id";
UPDATE "idempotency_keys" SET "owner_id" = '' WHERE "owner_id" IS NULL;
ALTER TABLE "idempotency_keys" ALTER COLUMN "owner_id" SET NOT NULL;
ALTER TABLE "idempotency_keys" DROP CONSTRAINT "idempotency_keys_pkey",
ADD CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("owner_id", "key");

-- CreateIndex
CREATE INDEX "orders_owner_id_created_at_id_idx" ON "orders"("owner_id", "created_at", "id");
