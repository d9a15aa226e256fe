// Entry point: `npm start -w @orderflow/order-service` (or `tsx services/order/src/main.ts`).
import { serviceMain } from '@orderflow/platform';
import { createApp } from './app';
import { loadOrderConfig } from './config';

// Named 'order service' so a bad environment still prints `order service: <problems>`.
serviceMain(
  'order service',
  () => loadOrderConfig(),
  (config, logger) => createApp(config, { logger }).start(),
);
