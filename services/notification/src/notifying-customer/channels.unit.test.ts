import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyFailure } from '@orderflow/platform';
import { WebhookChannel, WebhookDeliveryError, webhookReference } from './channels';
import type { Notice } from './decide';

const notice: Notice = {
  notificationId: 'n-1',
  orderId: 'o-1',
  outcome: 'ORDER_CONFIRMED',
  email: 'ada@example.com',
  subject: 'Order o-1 confirmed',
  message: 'Hello Ada',
  causationEventId: 'e-1',
};

let server: Server;
let url: string;
// A receiver's URL often carries a token: it must never be what a notification records or an error says.
const SECRET = 's3cret-T0KEN';
const hook = (at: string, timeoutMs = 1000) => new WebhookChannel({ id: 'crm', url: at, timeoutMs });
let answer: (req: IncomingMessage) => { status: number; delayMs?: number };
const received: { headers: IncomingMessage['headers']; body: unknown }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body) as unknown });
      const { status, delayMs } = answer(req);
      setTimeout(() => res.writeHead(status).end(), delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/${SECRET}?sig=${SECRET}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => (received.length = 0));

test('POSTs the notice as JSON with the notification id as Idempotency-Key', async () => {
  answer = () => ({ status: 204 });
  await hook(url).deliver(notice);
  expect(received).toHaveLength(1);
  expect(received[0]?.headers).toMatchObject({
    'content-type': 'application/json',
    'idempotency-key': 'n-1',
  });
  expect(received[0]?.body).toEqual({
    notificationId: 'n-1',
    orderId: 'o-1',
    outcome: 'ORDER_CONFIRMED',
    to: 'ada@example.com',
    subject: 'Order o-1 confirmed',
    message: 'Hello Ada',
  });
});

test('a webhook notification’s recipient is the reference webhook:<id>, never the URL', () => {
  const channel = hook(url);
  expect(channel.recipientOf()).toBe('webhook:crm');
  expect(channel.reference).toBe(webhookReference('crm'));
  expect(JSON.stringify(channel)).not.toContain(SECRET);
});

test.each([
  ['a 503 answer', () => ({ status: 503 }), 'HTTP_STATUS', 'answered 503'],
  ['a slow answer', () => ({ status: 200, delayMs: 4000 }), 'TIMEOUT', 'did not answer within 1000 ms'],
])(
  '%s is a transient WebhookDeliveryError (retried until the webhook answers, never dead-lettered)',
  async (_name, behaviour, code, message) => {
    answer = behaviour;
    // 1 s: a loaded CI machine must not turn the 503 case into a timeout.
    const err = await hook(url)
      .deliver(notice)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookDeliveryError);
    expect(err).toMatchObject({ code, message: expect.stringContaining(message) as unknown });
    expect((err as Error).message).toMatch(/^webhook:crm /);
    expect((err as Error).message).not.toContain(SECRET);
    expect(classifyFailure(err)).toBe('transient');
  },
);

test('an unreachable webhook is a transient WebhookDeliveryError (retried until the webhook answers, never dead-lettered)', async () => {
  const err = await hook(`http://127.0.0.1:1/hook/${SECRET}`, 500)
    .deliver(notice)
    .catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'WebhookDeliveryError', code: 'UNREACHABLE' });
  expect((err as Error).message).not.toContain(SECRET);
  expect(classifyFailure(err)).toBe('transient');
});
