// Entry point: `npm start -w @orderflow/notification-service` (or `tsx services/notification/src/main.ts`).
import { serviceMain } from '@orderflow/platform';
import { createApp } from './app';
import { configFromEnvironment } from './config';

serviceMain('notification', configFromEnvironment, (config, logger) => createApp(config, { logger }).start());
