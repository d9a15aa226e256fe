// The payment service's configuration: the only module that reads the environment.
import path from 'node:path';
import { authSettings, int, loadConfig, platformSettings } from '@orderflow/platform';

/** Every setting of the payment service, with its variable and default. */
export const paymentSettings = {
  ...platformSettings('payment', 8002),
  ...authSettings(path.resolve(__dirname, '../../..')),
  /** Orders above this amount (minor units) are declined LIMIT_EXCEEDED by the simulator. */
  paymentLimitMinor: int('PAYMENT_LIMIT_MINOR', { default: 1_000_000, min: 0 }),
};

/** The validated configuration of the payment service. */
export type PaymentConfig = ReturnType<typeof loadPaymentConfig>;

/** Reads and validates the settings from `env`; throws a ConfigError naming every bad variable. */
export function loadPaymentConfig(env: Readonly<Record<string, string | undefined>>) {
  return loadConfig(paymentSettings, env);
}

/** The configuration from this process's environment. */
export function configFromEnvironment(): PaymentConfig {
  return loadPaymentConfig(process.env);
}
