import { scanSource } from './subscriptions';

const topics = [
  { topic: 'order_created', record: 'OrderCreated' },
  { topic: 'payment_failed', record: 'PaymentFailed' },
];

describe('subscription scanner', () => {
  it('finds the topic of on(codec, handler) for factories, descriptors, Topics constants and variables', () => {
    const source = [
      "import { on } from '@orderflow/platform';",
      'const failed = paymentFailedCodec(registry);',
      'export const subs = [',
      '  on(orderCreatedCodec(registry), handleCreated),',
      '  on(failed, async (e, tx) => { await x(e, tx); }),',
      '  on(codecs[Topics.OrderCreated], h),',
      '];',
      "process.on('SIGTERM', stop);",
    ].join('\n');
    const found = scanSource('payment', 'services/payment/src/main.ts', source, topics);
    expect(found.map((f) => [f.where, f.topics])).toEqual([
      ['services/payment/src/main.ts:4', ['order_created']],
      ['services/payment/src/main.ts:5', ['payment_failed']],
      ['services/payment/src/main.ts:6', ['order_created']],
    ]);
  });

  it('reports a subscription it cannot attribute to a topic', () => {
    const found = scanSource('order', 'services/order/src/a.ts', 'on(makeCodec(x), h);', topics);
    expect(found).toEqual([
      { service: 'order', where: 'services/order/src/a.ts:1', topics: [], expression: 'makeCodec(x)' },
    ]);
  });

  it('sees raw kafkajs subscriptions too', () => {
    const found = scanSource(
      'order',
      'services/order/src/a.ts',
      "await consumer.subscribe({ topics: ['payment_failed'] });",
      topics,
    );
    expect(found[0]?.topics).toEqual(['payment_failed']);
  });

  it('does not take a Redis pub/sub channel for a topic, but still sees kafkajs next to Redis', () => {
    const redis = "import type { Redis } from 'ioredis';\nawait subscriber.subscribe(channel);";
    expect(scanSource('order', 'services/order/src/a.ts', redis, topics)).toEqual([]);
    const both = `import { Kafka } from 'kafkajs';\n${redis}`;
    expect(scanSource('order', 'services/order/src/a.ts', both, topics)).toHaveLength(1);
  });
});
