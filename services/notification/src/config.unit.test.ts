import { loadNotificationConfig } from './config';

test('defaults serve :8004 with no webhook (the LOG channel)', () => {
  expect(loadNotificationConfig({})).toMatchObject({
    port: 8004,
    notifyWebhookUrl: undefined,
    notifyWebhookId: 'default',
    notifyWebhookTimeoutMs: 3000,
  });
  expect(
    loadNotificationConfig({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/orders' }).notifyWebhookUrl,
  ).toBe('https://hooks.example.com/orders');
});

test('a webhook URL that is not http(s) fails naming the variable', () => {
  expect(() => loadNotificationConfig({ NOTIFY_WEBHOOK_URL: 'ftp://x' })).toThrow(
    'NOTIFY_WEBHOOK_URL="ftp://x" is invalid: protocol ftp: is not http: or https:',
  );
});

test('the webhook is named by NOTIFY_WEBHOOK_ID (its reference webhook:<id>); a malformed id fails naming the variable', () => {
  expect(loadNotificationConfig({ NOTIFY_WEBHOOK_ID: 'crm-eu_1' }).notifyWebhookId).toBe('crm-eu_1');
  expect(() => loadNotificationConfig({ NOTIFY_WEBHOOK_ID: 'https://x.example/hook' })).toThrow(
    'NOTIFY_WEBHOOK_ID="https://x.example/hook" is invalid',
  );
});
