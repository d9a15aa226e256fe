-- Orders not final by the saga deadline end EXPIRED (the sweeper in services/order/src/expiring-orders).
-- Its query (status IN (PENDING, PAID) AND created_at < cutoff) uses the existing (status, created_at) index.
-- AlterEnum
ALTER TYPE "order_status" ADD VALUE 'EXPIRED';
