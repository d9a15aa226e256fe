import type { NotificationSent } from '@orderflow/contracts';
import { describeNotificationSent } from './describe';

const sent = (channel: NotificationSent['channel'], recipient: string): NotificationSent => ({
  eventId: '4b1a9c5e-6f70-4192-8d34-e5f6a7b8c9d0',
  occurredAt: new Date(0),
  orderId: '5f0c6a2e-7a3b-4c1d-9e8f-0a1b2c3d4e5f',
  notificationId: '7c6d5e4f-3a2b-4c1d-8e9f-0a1b2c3d4e5f',
  channel,
  outcome: 'ORDER_CONFIRMED',
  recipient,
  causationEventId: null,
});

test('the timeline names a webhook by its reference', () => {
  expect(describeNotificationSent(sent('WEBHOOK', 'webhook:default'))).toBe(
    'customer told ORDER_CONFIRMED via WEBHOOK to webhook:default',
  );
});

test('a webhook URL from an older event never reaches the timeline', () => {
  const detail = describeNotificationSent(
    sent('WEBHOOK', 'https://hooks.example.net/services/T0/B0/s3cret-T0KEN?sig=s3cret'),
  );
  expect(detail).toBe('customer told ORDER_CONFIRMED via WEBHOOK to a webhook (address withheld)');
  expect(detail).not.toContain('s3cret');
});

test('the LOG channel still names the customer’s address (the customer’s own order)', () => {
  expect(describeNotificationSent(sent('LOG', 'ada@example.com'))).toBe(
    'customer told ORDER_CONFIRMED via LOG to ada@example.com',
  );
});
