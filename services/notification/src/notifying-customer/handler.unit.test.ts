// The handler's bookkeeping with a WEBHOOK channel: what it stores and what it publishes name the webhook
// `webhook:<id>`, never its URL. The SQL itself is the int test's (real PostgreSQL); here a recording
// transaction answers "nothing told yet" and "claimed" so the rows and events can be read.
import { SchemaRegistryClient } from '@orderflow/codec';
import { startFakeRegistry, type FakeRegistry } from '@orderflow/codec/testing';
import { notificationSent, type NotificationSent, type PaymentFailed } from '@orderflow/contracts';
import { createLogger, type EventContext, type Outgoing } from '@orderflow/platform';
import type { Tx } from '../db';
import { WebhookChannel } from './channels';
import { notifyCustomer } from './handler';

const URL_WITH_TOKEN = 'https://hooks.example.net/services/T0/B0/s3cret-T0KEN?sig=s3cret-T0KEN';

const event: PaymentFailed = {
  eventId: '0b6f2a52-8f3e-4a6c-9d1e-2f3a4b5c6d7e',
  occurredAt: new Date(0),
  orderId: '5f0c6a2e-7a3b-4c1d-9e8f-0a1b2c3d4e5f',
  paymentId: '7c6d5e4f-3a2b-4c1d-8e9f-0a1b2c3d4e5f',
  reason: 'DECLINED',
  message: null,
  amountMinor: 2500,
  currency: 'EUR',
  customer: { id: 'c-1', email: 'ada@example.com', name: 'Ada' },
};

const log = createLogger({ service: 'handler-test', level: 'silent' });
const ctx = {
  topic: 'payment_failed',
  partition: 0,
  offset: '0',
  headers: {},
  correlationId: undefined,
  traceparent: undefined,
  eventId: event.eventId,
  log,
  outgoingHeaders: () => ({}),
} as unknown as EventContext;

/** A transaction that records every statement's parameters and claims whatever is inserted. */
function recordingTx(): { tx: Tx; inserted: unknown[][] } {
  const inserted: unknown[][] = [];
  const tx = {
    $executeRawUnsafe: () => Promise.resolve(0),
    $queryRawUnsafe: (sql: string, ...values: unknown[]) => {
      if (sql.includes('INSERT INTO notifications')) {
        inserted.push(values);
        return Promise.resolve((values[1] as string[]).map((id) => ({ id: id.toLowerCase() })));
      }
      return Promise.resolve([]);
    },
  } as unknown as Tx;
  return { tx, inserted };
}

let registry: FakeRegistry;
beforeAll(async () => {
  registry = await startFakeRegistry();
});
afterAll(() => registry.close());

test('a webhook notification is stored and published with recipient webhook:<id>, never the URL', async () => {
  const codec = notificationSent.codec(new SchemaRegistryClient({ url: registry.url }), {
    autoRegister: true,
  });
  const delivered: string[] = [];
  const fetchImpl = ((url: string) => {
    delivered.push(url);
    return Promise.resolve(new Response(null, { status: 204 }));
  }) as unknown as typeof fetch;
  const channel = new WebhookChannel({ id: 'crm', url: URL_WITH_TOKEN, timeoutMs: 1000 }, fetchImpl);
  const handle = notifyCustomer((e: PaymentFailed) => ({ type: 'PaymentFailed', event: e }), channel, codec);
  const { tx, inserted } = recordingTx();

  const [published] = await handle([{ event, ctx }], tx);

  expect(delivered).toEqual([URL_WITH_TOKEN]);
  // INSERT … (channel, ids, order ids, kinds, recipients, messages)
  expect(inserted).toHaveLength(1);
  expect(inserted[0]![0]).toBe('WEBHOOK');
  expect(inserted[0]![4]).toEqual(['webhook:crm']);
  expect(JSON.stringify(inserted)).not.toContain('s3cret');
  const [out] = published as Outgoing<NotificationSent>[];
  expect(out!.event).toMatchObject({ channel: 'WEBHOOK', recipient: 'webhook:crm', orderId: event.orderId });
  const bytes = await codec.encode(out!.event);
  expect(bytes.toString('latin1')).not.toContain('s3cret');
  expect(bytes.toString('latin1')).not.toContain('hooks.example.net');
});
