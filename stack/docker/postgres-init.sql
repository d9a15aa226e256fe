-- Runs once, on the first start of docker-compose's postgres (empty volume), from
-- /docker-entrypoint-initdb.d. Each service owns its own database; the local stack's `up`
-- creates the same ones on the machine's PostgreSQL.
CREATE DATABASE orderflow_order;
CREATE DATABASE orderflow_payment;
CREATE DATABASE orderflow_inventory;
CREATE DATABASE orderflow_notification;
