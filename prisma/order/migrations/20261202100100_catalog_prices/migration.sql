-- The order service's read model of the catalog (catalog_price_set, from the inventory): POST /orders
-- prices every line from it, never from the client, and refuses a SKU it has no price for.
-- CreateTable
CREATE TABLE "catalog_prices" (
    "sku" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "unit_price_minor" BIGINT NOT NULL,
    "version" BIGINT NOT NULL,
    "set_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "catalog_prices_pkey" PRIMARY KEY ("sku","currency")
);

-- Prisma cannot express it: the consumer refuses (dead-letters) a price outside what an order may be charged.
ALTER TABLE "catalog_prices" ADD CONSTRAINT "catalog_prices_unit_price_minor_check" CHECK ("unit_price_minor" BETWEEN 1 AND 1000000000);
