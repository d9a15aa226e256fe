-- The order API returns the customer (id, email, name) with every order, so the order keeps them.
-- AlterTable: the default only fills rows that predate this migration, then goes away.
ALTER TABLE "orders" ADD COLUMN "customer_email" TEXT NOT NULL DEFAULT '',
ADD COLUMN "customer_name" TEXT;
ALTER TABLE "orders" ALTER COLUMN "customer_email" DROP DEFAULT;
