// An in-memory ConsoleData for the page's browser test and the API's unit tests: three orders (confirmed,
// payment failed, one still pending), a dead letter that replays, two registry versions, four services.
import type { DltSummary, InspectedDlt } from '@orderflow/stack/dead-letters';
import type { ConsoleData, ReplayResult, SchemaText } from '../src/data-source';
import {
  DESCRIPTORS,
  assembleJourney,
  orderRows,
  serviceHealth,
  subjectRows,
  type Journey,
  type SchemaVersionRef,
  type SeenEvent,
} from '../src/shaping';

export const CONFIRMED_ORDER = '11111111-1111-4111-8111-111111111111';
export const FAILED_ORDER = '22222222-2222-4222-8222-222222222222';
export const PENDING_ORDER = '33333333-3333-4333-8333-333333333333';

const customer = { id: 'c-1', email: 'ada@example.com', name: 'Ada' };
const base = Date.parse('2026-12-03T10:00:00.000Z');
const at = (s: number): string => new Date(base + s * 1000).toISOString();
let offset = 0;

function event(
  topic: string,
  orderId: string,
  second: number,
  value: Record<string, unknown>,
  schemaId = 1,
): SeenEvent {
  return {
    topic,
    partition: 1,
    offset: String(offset++),
    timestamp: at(second),
    schemaId,
    headers: { 'correlation-id': `corr-${orderId.slice(0, 8)}` },
    value: { eventId: `${orderId.slice(0, 8)}-${topic}`, occurredAt: at(second), orderId, ...value },
  };
}

const schemaIds: Record<string, number> = Object.fromEntries(DESCRIPTORS.map((d, i) => [d.topic, i + 1]));

function events(orderId: string, declined: boolean): SeenEvent[] {
  const id = (t: string): number => schemaIds[t] ?? 0;
  const created = event(
    'order_created',
    orderId,
    0,
    {
      customer,
      lines: [{ sku: 'SKU-1', quantity: 2, unitPriceMinor: 1999 }],
      amountMinor: 3998,
      currency: 'EUR',
      paymentToken: null,
    },
    // The newer order_created version: the journey shows v2.
    100,
  );
  if (declined)
    return [
      created,
      event(
        'payment_failed',
        orderId,
        1,
        {
          paymentId: 'pay-2',
          reason: 'DECLINED',
          message: null,
          amountMinor: 3998,
          currency: 'EUR',
          customer,
        },
        id('payment_failed'),
      ),
      event(
        'notification_sent',
        orderId,
        2,
        {
          notificationId: 'n-2',
          channel: 'LOG',
          outcome: 'PAYMENT_FAILED',
          recipient: 'ada@example.com',
          causationEventId: null,
        },
        id('notification_sent'),
      ),
    ];
  return [
    created,
    event(
      'payment_successful',
      orderId,
      1,
      { paymentId: 'pay-1', amountMinor: 3998, currency: 'EUR', customer, lines: [] },
      id('payment_successful'),
    ),
    event(
      'inventory_updated',
      orderId,
      2,
      {
        status: 'RESERVED',
        reservationId: 'res-1',
        shortLines: [],
        paymentId: 'pay-1',
        amountMinor: 3998,
        currency: 'EUR',
        customer,
      },
      id('inventory_updated'),
    ),
    event(
      'notification_sent',
      orderId,
      3,
      {
        notificationId: 'n-1',
        channel: 'LOG',
        outcome: 'ORDER_CONFIRMED',
        recipient: 'ada@example.com',
        causationEventId: null,
      },
      id('notification_sent'),
    ),
  ];
}

const ORDER_V1 = JSON.stringify(DESCRIPTORS[0]?.schema);
const ORDER_V2 = (() => {
  const s = JSON.parse(ORDER_V1) as { fields: unknown[] };
  s.fields.push({
    name: 'channel',
    type: ['null', 'string'],
    default: null,
    doc: 'Where the order was placed, if known.',
  });
  return JSON.stringify(s);
})();

const METRICS = `# HELP orderflow_consumer_lag lag
# TYPE orderflow_consumer_lag gauge
orderflow_consumer_lag{topic="order_created",partition="0",service="payment"} 0
orderflow_consumer_lag{topic="order_created",partition="1",service="payment"} 4
orderflow_consumer_lag{topic="order_created",partition="2",service="payment"} 0
orderflow_consumer_stalled_partitions{group="payment",service="payment"} 1
orderflow_outbox_pending{service="payment"} 3
orderflow_outbox_lag_seconds{service="payment"} 1.5
orderflow_dead_letters_total{topic="inventory_updated",class="permanent",service="payment"} 1
`;

/** The fixture: a ConsoleData that answers from memory and records replays. */
export class FixtureSource implements ConsoleData {
  readonly replays: { topic: string; offset: string }[] = [];
  private readonly orders_ = new Map<string, { events: SeenEvent[]; deadLetters: SeenEvent[] }>();
  private replayed = false;

  constructor() {
    this.orders_.set(CONFIRMED_ORDER, { events: events(CONFIRMED_ORDER, false), deadLetters: [] });
    const failed = events(FAILED_ORDER, true);
    this.orders_.set(FAILED_ORDER, {
      events: failed,
      deadLetters: [
        {
          ...event(
            'inventory_updated.DLT',
            FAILED_ORDER,
            4,
            {
              status: 'RESERVED',
              reservationId: 'res-x',
              shortLines: [],
              paymentId: 'pay-2',
              amountMinor: 3998,
              currency: 'EUR',
              customer,
            },
            schemaIds['inventory_updated'],
          ),
          partition: 0,
          offset: '0',
          headers: {
            'dlt-original-topic': 'inventory_updated',
            'dlt-original-partition': '1',
            'dlt-original-offset': '42',
            'dlt-error-code': 'PermanentEventError:INCONSISTENT_EVENT',
            'dlt-error-message': 'a reservation for an order whose payment failed',
          },
        },
      ],
    });
    this.orders_.set(PENDING_ORDER, {
      events: events(PENDING_ORDER, false)
        .slice(0, 1)
        .map((e) => ({ ...e, timestamp: at(60) })),
      deadLetters: [],
    });
  }

  private versions(): Map<number, SchemaVersionRef> {
    const m = new Map<number, SchemaVersionRef>(
      DESCRIPTORS.map((d) => [schemaIds[d.topic] ?? 0, { subject: d.subject, version: 1 }]),
    );
    m.set(100, { subject: 'order_created-value', version: 2 });
    return m;
  }

  orders(opts: { limit: number; status?: string }) {
    return Promise.resolve(
      orderRows(
        [...this.orders_].map(([orderId, o]) => ({
          orderId,
          events: o.events,
          deadLetters: o.deadLetters.length,
        })),
        opts,
      ),
    );
  }

  journey(orderId: string): Promise<Journey | undefined> {
    const o = this.orders_.get(orderId);
    if (o === undefined) return Promise.resolve(undefined);
    return Promise.resolve(
      assembleJourney({
        orderId,
        events: o.events,
        deadLetters: o.deadLetters,
        versions: this.versions(),
        payment: {
          paymentId: orderId === FAILED_ORDER ? 'pay-2' : 'pay-1',
          status: orderId === FAILED_ORDER ? 'FAILED' : 'SUCCEEDED',
          amountMinor: 3998,
          currency: 'EUR',
        },
        notifications: [],
      }),
    );
  }

  health() {
    return Promise.resolve(
      ['order', 'payment', 'inventory', 'notification'].map((service, i) =>
        serviceHealth({
          service,
          url: `http://127.0.0.1:${8001 + i}`,
          ready:
            service === 'payment'
              ? {
                  status: 503,
                  body: {
                    checks: {
                      kafka: 'ok',
                      outbox: 'ok',
                      consumer: 'partition order_created[1] stalled for 61 s',
                    },
                  },
                }
              : {
                  status: 200,
                  body: { status: 'ready', checks: { database: 'ok', kafka: 'ok', registry: 'ok' } },
                },
          metrics:
            service === 'payment' ? METRICS : 'orderflow_outbox_pending 0\norderflow_outbox_lag_seconds 0\n',
        }),
      ),
    );
  }

  deadLetters(): Promise<DltSummary[]> {
    return Promise.resolve(
      DESCRIPTORS.map((d) => ({
        dlt: d.deadLetterTopic,
        topic: d.topic,
        messages: d.topic === 'inventory_updated' ? 1 : 0,
        pending: d.topic === 'inventory_updated' && !this.replayed ? 1 : 0,
        latest: d.topic === 'inventory_updated' ? at(4) : null,
        errorCodes: d.topic === 'inventory_updated' ? { 'PermanentEventError:INCONSISTENT_EVENT': 1 } : {},
      })),
    );
  }

  deadLetterMessages(topic: string): Promise<InspectedDlt> {
    const dead = this.orders_.get(FAILED_ORDER)?.deadLetters ?? [];
    const messages =
      topic !== 'inventory_updated'
        ? []
        : dead.map((d) => ({
            partition: d.partition,
            offset: d.offset,
            timestamp: d.timestamp,
            replayed: this.replayed,
            key: FAILED_ORDER,
            headers: d.headers,
            bytes: 120,
            schemaId: d.schemaId,
            value: { kind: 'decoded' as const, value: d.value },
          }));
    return Promise.resolve({ topic, dlt: `${topic}.DLT`, total: messages.length, messages });
  }

  replay(
    topic: string,
    opts: { offset?: { partition?: number; offset: bigint }; all?: boolean },
  ): Promise<ReplayResult> {
    const offset = opts.offset === undefined ? '0' : String(opts.offset.offset);
    this.replays.push({ topic, offset });
    const outcome = this.replayed ? ('already replayed' as const) : ('replayed' as const);
    this.replayed = true;
    return Promise.resolve({
      topic,
      dlt: `${topic}.DLT`,
      outcomes: topic === 'inventory_updated' ? [{ partition: 0, offset, result: outcome }] : [],
    });
  }

  subjects() {
    return Promise.resolve(
      subjectRows(
        DESCRIPTORS.map((d) => ({
          subject: d.subject,
          versions:
            d.topic === 'order_created'
              ? [
                  { version: 1, id: 1 },
                  { version: 2, id: 100 },
                ]
              : [{ version: 1, id: schemaIds[d.topic] ?? 0 }],
          compatibility: 'FULL_TRANSITIVE',
        })),
      ),
    );
  }

  schema(subject: string, version: number): Promise<SchemaText | undefined> {
    if (subject !== 'order_created-value' || (version !== 1 && version !== 2))
      return Promise.resolve(undefined);
    return Promise.resolve({
      subject,
      version,
      id: version === 1 ? 1 : 100,
      schema: version === 1 ? ORDER_V1 : ORDER_V2,
    });
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
