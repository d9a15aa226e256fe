// The real entry point passes the shared start-up / probes / JSON logs / SIGTERM check.
import { Topics } from '@orderflow/contracts';
import { describeServiceMain } from '../../../tests/support/service-main-check';

describeServiceMain('payment', {
  topics: [Topics.OrderCreated, Topics.InventoryUpdated],
  metrics: ['orderflow_outbox_lag_seconds'],
});
