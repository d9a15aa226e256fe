// The real entry point passes the shared start-up / probes / JSON logs / SIGTERM check.
import { describeServiceMain } from '../../../tests/support/service-main-check';

describeServiceMain('payment', {
  metrics: ['orderflow_outbox_lag_seconds'],
});
