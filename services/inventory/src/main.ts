// Entry point: `npm start -w @orderflow/inventory-service` (or `tsx services/inventory/src/main.ts`).
import { serviceMain } from '@orderflow/platform';
import { createApp } from './app';
import { configFromEnvironment } from './config';

serviceMain('inventory', configFromEnvironment, (config, logger) => createApp(config, { logger }).start());
