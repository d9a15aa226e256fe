-- The catalog the platform owns: a price per SKU and currency, set by seeding or by an admin
-- (PUT /inventory/{sku}/prices/{currency}); every change publishes catalog_price_set (outbox, same
-- transaction) and the order service prices orders from it, never from the client.
-- CreateTable
CREATE TABLE "sku_prices" (
    "sku" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "unit_price_minor" BIGINT NOT NULL,
    "version" BIGINT NOT NULL DEFAULT 1,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sku_prices_pkey" PRIMARY KEY ("sku","currency")
);

-- AddForeignKey
ALTER TABLE "sku_prices" ADD CONSTRAINT "sku_prices_sku_fkey" FOREIGN KEY ("sku") REFERENCES "stock"("sku") ON DELETE CASCADE ON UPDATE CASCADE;

-- Prisma cannot express these: a price is a positive whole number of minor units, at most what the
-- order API accepts per unit (so an order's total stays exact below 2^53), in an ISO-4217 code.
ALTER TABLE "sku_prices" ADD CONSTRAINT "sku_prices_unit_price_minor_check" CHECK ("unit_price_minor" BETWEEN 1 AND 1000000000);
ALTER TABLE "sku_prices" ADD CONSTRAINT "sku_prices_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');
ALTER TABLE "sku_prices" ADD CONSTRAINT "sku_prices_version_check" CHECK ("version" >= 1);
