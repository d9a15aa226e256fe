-- order_expired compensation: a RESERVED reservation becomes RELEASED (its units back in `available`);
-- an order that expired before any reservation gets an EXPIRED row, so a late payment_successful reserves nothing.
-- Two values in one migration: PostgreSQL 12+ (the new values are not used in this transaction).

ALTER TYPE "reservation_status" ADD VALUE 'RELEASED';
ALTER TYPE "reservation_status" ADD VALUE 'EXPIRED';
