// Entry point: `npm start -w @orderflow/payment-service` (or `tsx services/payment/src/main.ts`).
import { serviceMain } from '@orderflow/platform';
import { createApp } from './app';
import { configFromEnvironment } from './config';

serviceMain('payment', configFromEnvironment, (config, logger) => createApp(config, { logger }).start());
