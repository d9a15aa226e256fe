-- order_expired: payment records expired orders, so a late order_created never charges them.
-- CreateTable
CREATE TABLE "expired_orders" (
    "order_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "expired_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "expired_orders_pkey" PRIMARY KEY ("order_id")
);
