import { Topics } from '@orderflow/contracts';
import {
  assembleJourney,
  deriveStatus,
  eventReference,
  FINAL_STATUSES,
  lineDiff,
  OPEN_STATUSES,
  orderRows,
  parsePrometheus,
  prettySchema,
  serviceHealth,
  subjectRows,
  topicGraph,
  type SeenEvent,
} from './shaping';

const ORDER = '11111111-1111-4111-8111-111111111111';

function seen(topic: string, second: number, value: Record<string, unknown> = {}, schemaId = 7): SeenEvent {
  const at = new Date(Date.UTC(2026, 11, 3, 10, 0, second)).toISOString();
  return {
    topic,
    partition: 0,
    offset: String(second),
    timestamp: at,
    schemaId,
    headers: {},
    value: { eventId: `e-${second}`, occurredAt: at, orderId: ORDER, ...value },
  };
}

describe('topic graph', () => {
  const graph = topicGraph();
  test('has every topic of the table with its producer and consumers', () => {
    const paid = graph.topics.find((t) => t.topic === Topics.PaymentSuccessful);
    expect(paid).toMatchObject({
      producer: 'payment',
      consumers: ['inventory', 'order'],
      deadLetterTopic: 'payment_successful.DLT',
    });
    expect(graph.services).toEqual(expect.arrayContaining(['order', 'payment', 'inventory', 'notification']));
  });
  test('marks the compensations the schemas call so, and only them', () => {
    expect(
      graph.topics
        .filter((t) => t.compensation)
        .map((t) => t.topic)
        .sort(),
    ).toEqual([Topics.OrderExpired, Topics.PaymentRefunded].sort());
  });
});

describe('event reference', () => {
  test('lists every field with its doc, nested fields by path', () => {
    const created = eventReference().find((e) => e.topic === Topics.OrderCreated);
    expect(created?.doc).toMatch(/order was accepted/);
    const paths = created?.fields.map((f) => f.path) ?? [];
    expect(paths).toEqual(
      expect.arrayContaining(['eventId', 'customer', 'customer.email', 'lines', 'lines[].sku']),
    );
    expect(created?.fields.every((f) => f.doc.length > 0)).toBe(true);
    expect(created?.fields.find((f) => f.path === 'occurredAt')?.type).toBe('long (timestamp-millis)');
  });
});

describe('Prometheus text → service health', () => {
  const text = [
    '# HELP orderflow_consumer_lag x',
    'orderflow_consumer_lag{topic="order_created",partition="2",service="payment"} 5',
    'orderflow_consumer_lag{topic="order_created",partition="0",service="payment"} 1',
    'orderflow_consumer_stalled_partitions{group="payment"} 2',
    'orderflow_outbox_pending{service="payment"} 3',
    'orderflow_outbox_lag_seconds 0.25',
    'orderflow_dead_letters_total{topic="order_created",class="permanent"} 4',
    'orderflow_dead_letters_total{topic="payment_failed",class="permanent"} 0',
    'garbage line',
  ].join('\n');
  test('parses samples with labels, skipping comments and garbage', () => {
    const samples = parsePrometheus(text);
    expect(samples).toHaveLength(7);
    expect(samples[0]).toEqual({
      name: 'orderflow_consumer_lag',
      labels: { topic: 'order_created', partition: '2', service: 'payment' },
      value: 5,
    });
  });
  test('shapes lag per partition, outbox, stalled partitions and dead letters', () => {
    const h = serviceHealth({
      service: 'payment',
      url: 'http://x',
      ready: { status: 503, body: { checks: { kafka: 'ok', consumer: 'stalled' } } },
      metrics: text,
    });
    expect(h).toMatchObject({
      state: 'not ready',
      checks: { kafka: 'ok', consumer: 'stalled' },
      totalLag: 6,
      stalledPartitions: 2,
      outboxPending: 3,
      outboxLagSeconds: 0.25,
      deadLettered: [{ topic: 'order_created', class: 'permanent', count: 4 }],
    });
    expect(h.lag.map((l) => l.partition)).toEqual([0, 2]);
  });
  test('a service that did not answer is down, with the reason', () => {
    expect(serviceHealth({ service: 'order', url: 'http://x', error: 'ECONNREFUSED' })).toMatchObject({
      state: 'down',
      error: 'ECONNREFUSED',
      outboxPending: null,
      lag: [],
    });
  });
});

describe('order status from the events', () => {
  test.each([
    [[Topics.OrderCreated], 'PENDING', false],
    [[Topics.OrderCreated, Topics.PaymentSuccessful], 'PAID', false],
    [
      [Topics.OrderCreated, Topics.PaymentSuccessful, Topics.InventoryUpdated, Topics.NotificationSent],
      'CONFIRMED',
      true,
    ],
    [[Topics.OrderCreated, Topics.PaymentFailed, Topics.NotificationSent], 'PAYMENT_FAILED', true],
    [[Topics.OrderCreated, Topics.PaymentSuccessful, Topics.PaymentRefunded], 'CANCELLED', false],
    [
      [Topics.OrderCreated, Topics.OrderExpired, Topics.PaymentSuccessful, Topics.InventoryUpdated],
      'EXPIRED',
      false,
    ],
  ])('%j → %s', (topics, status, completed) => {
    const events = topics.map((t, i) =>
      seen(t, i, t === Topics.InventoryUpdated ? { status: 'RESERVED' } : {}),
    );
    expect(deriveStatus(events)).toEqual({ status, completed });
  });
  test('the statuses are the order API’s OrderStatus: PENDING and PAID open, the other four final', () => {
    expect(OPEN_STATUSES).toEqual(['PENDING', 'PAID']);
    expect(FINAL_STATUSES).toEqual(['PAYMENT_FAILED', 'CONFIRMED', 'CANCELLED', 'EXPIRED']);
  });
  test('OUT_OF_STOCK does not confirm', () => {
    expect(
      deriveStatus([
        seen(Topics.OrderCreated, 0),
        seen(Topics.PaymentSuccessful, 1),
        seen(Topics.InventoryUpdated, 2, { status: 'OUT_OF_STOCK' }),
      ]).status,
    ).toBe('PAID');
  });
});

describe('journey', () => {
  const events = [
    seen(Topics.NotificationSent, 3, { outcome: 'ORDER_CONFIRMED', channel: 'LOG' }, 9),
    seen(
      Topics.OrderCreated,
      0,
      { customer: { id: 'c-1' }, amountMinor: 1999, currency: 'EUR', lines: [{}] },
      7,
    ),
    seen(Topics.PaymentSuccessful, 1, { amountMinor: 1999, currency: 'EUR' }, 8),
    seen(Topics.InventoryUpdated, 2, { status: 'RESERVED', reservationId: 'r-1' }, 8),
  ];
  const journey = assembleJourney({
    orderId: ORDER,
    events,
    deadLetters: [
      {
        ...seen('payment_successful.DLT', 4),
        headers: { 'dlt-error-code': 'X', 'dlt-original-topic': 'payment_successful' },
      },
    ],
    versions: new Map([
      [7, { subject: 'order_created-value', version: 2 }],
      [8, { subject: 'x-value', version: 1 }],
    ]),
  });
  test('orders events by when they happened and resolves schema versions', () => {
    expect(journey.events.map((e) => [e.topic, e.schemaVersion])).toEqual([
      [Topics.OrderCreated, 2],
      [Topics.PaymentSuccessful, 1],
      [Topics.InventoryUpdated, 1],
      [Topics.NotificationSent, null],
    ]);
    expect(journey.events[0]?.subject).toBe('order_created-value');
  });
  test('puts each event in its producer lane and says the outcome', () => {
    expect(
      Object.fromEntries(Object.entries(journey.lanes).map(([k, v]) => [k, v.map((e) => e.topic)])),
    ).toEqual({
      order: [Topics.OrderCreated],
      payment: [Topics.PaymentSuccessful],
      inventory: [Topics.InventoryUpdated],
      notification: [Topics.NotificationSent],
    });
    expect(journey).toMatchObject({
      status: 'CONFIRMED',
      completed: true,
      customerId: 'c-1',
      amount: '19.99 EUR',
    });
    expect(journey.deadLetters[0]).toMatchObject({ originalTopic: 'payment_successful', errorCode: 'X' });
    expect(journey.events[2]?.summary).toBe('reserved (r-1)');
  });
  test('the orders list is newest first and filters by status', () => {
    const rows = orderRows(
      [
        { orderId: 'a', events: [seen(Topics.OrderCreated, 1)], deadLetters: 0 },
        {
          orderId: 'b',
          events: [seen(Topics.OrderCreated, 5), seen(Topics.PaymentFailed, 6)],
          deadLetters: 1,
        },
      ],
      { limit: 10 },
    );
    expect(rows.map((r) => [r.orderId, r.status, r.events])).toEqual([
      ['b', 'PAYMENT_FAILED', 2],
      ['a', 'PENDING', 1],
    ]);
    expect(
      orderRows([{ orderId: 'a', events: [seen(Topics.OrderCreated, 1)], deadLetters: 0 }], {
        limit: 10,
        status: 'CONFIRMED',
      }),
    ).toEqual([]);
  });
});

describe('registry', () => {
  test('diffs two schema versions line by line', () => {
    const a = prettySchema('{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}');
    const b = prettySchema(
      '{"type":"record","name":"A","fields":[{"name":"x","type":"int"},{"name":"y","type":"string","default":""}]}',
    );
    const diff = lineDiff(a, b);
    // Both versions read back from the diff, and only the new field's lines are marked.
    expect(diff.filter((l) => l.op !== '+').map((l) => l.text)).toEqual(a.split('\n'));
    expect(diff.filter((l) => l.op !== '-').map((l) => l.text)).toEqual(b.split('\n'));
    expect(diff.filter((l) => l.op === '-')).toEqual([]);
    expect(diff.filter((l) => l.op === '+').map((l) => l.text.trim())).toEqual(
      expect.arrayContaining(['"name": "y",', '"type": "string",', '"default": ""']),
    );
    expect(diff.filter((l) => l.op === '+')).toHaveLength(5);
    expect(lineDiff(a, a).every((l) => l.op === ' ')).toBe(true);
  });
  test('joins subjects with the topic table, table subjects first', () => {
    const rows = subjectRows([
      { subject: 'zz-other', versions: [], compatibility: null },
      {
        subject: 'payment_failed-value',
        versions: [
          { version: 2, id: 5 },
          { version: 1, id: 3 },
        ],
        compatibility: 'BACKWARD',
      },
      { subject: 'order_created-value', versions: [{ version: 1, id: 1 }], compatibility: 'FULL_TRANSITIVE' },
    ]);
    expect(rows.map((r) => r.subject)).toEqual(['order_created-value', 'payment_failed-value', 'zz-other']);
    expect(rows[1]).toMatchObject({
      topic: 'payment_failed',
      expectedCompatibility: 'FULL_TRANSITIVE',
      versions: [{ version: 1 }, { version: 2 }],
    });
  });
});
