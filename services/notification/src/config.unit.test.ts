import { loadNotificationConfig } from './config';

test('defaults serve :8004 with no webhook (the LOG channel)', () => {
  expect(loadNotificationConfig({})).toMatchObject({
    port: 8004,
    notifyWebhookUrl: undefined,
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
