// Secrets and personal data on the real stack: the notification service is restarted with a webhook whose
// URL carries a token (NOTIFY_WEBHOOK_URL) and a name (NOTIFY_WEBHOOK_ID); an order notified through it
// must name the webhook `webhook:<id>` everywhere — the order's timeline, GET /notifications, the
// notification_sent event on Kafka — and the URL must appear in none of them, nor in the service's log,
// which (LOG_PERSONAL_DATA unset) shows the customer's email address and name nowhere either.
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Topics, type ApiOrder } from '@orderflow/contracts';
import { serviceLogFile, startService, stopService, waitReady } from '@orderflow/stack';
import {
  decodeSagaMessage,
  getOrder,
  orderRequest,
  placeOrder,
  readSagaMessages,
  waitForOrder,
  type SagaMessage,
} from './support/saga';
import { adminHeaders } from '../support/auth';

jest.setTimeout(240_000);

const NOTIFICATION_API = 'http://localhost:8004';
const WEBHOOK_ID = 'e2e-privacy';
const REFERENCE = `webhook:${WEBHOOK_ID}`;
const SECRET = `s3cret-${randomUUID()}`;
const EMAIL = `ada.${randomUUID().slice(0, 8)}@example.com`;
const NAME = `Ada Lovelace-${randomUUID().slice(0, 8)}`;
const since = Date.now() - 1000;

let receiver: Server;
let webhookUrl: string;
let hostPort: string;
const received: { orderId?: string; to?: string }[] = [];
let logFile: string;
let logStart = 0;
let order: ApiOrder;
let sent: SagaMessage[];

/** What the notification service logged since this suite restarted it. */
function logSinceStart(): string {
  const end = statSync(logFile).size;
  const buf = Buffer.alloc(Math.max(0, end - logStart));
  const fd = openSync(logFile, 'r');
  try {
    readSync(fd, buf, 0, buf.length, logStart);
  } finally {
    closeSync(fd);
  }
  return buf.toString('utf8');
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(raw) as { orderId?: string; to?: string });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hostPort = `127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  webhookUrl = `http://${hostPort}/hooks/${SECRET}?token=${SECRET}`;

  if (!(await stopService('notification')))
    throw new Error(
      'the notification service on :8004 was not started by npm start or this harness, so this suite cannot restart it with a webhook; stop it and run again',
    );
  logFile = serviceLogFile('notification');
  logStart = statSync(logFile, { throwIfNoEntry: false })?.size ?? 0;
  await startService('notification', {
    env: { NOTIFY_WEBHOOK_URL: webhookUrl, NOTIFY_WEBHOOK_ID: WEBHOOK_ID, LOG_PERSONAL_DATA: 'false' },
  });
  await waitReady('notification', { timeoutMs: 120_000 });

  const placed = await placeOrder(
    orderRequest({ customer: { id: `e2e-${randomUUID()}`, email: EMAIL, name: NAME } }),
  );
  order = await waitForOrder(placed.id);
  sent = await readSagaMessages(new Set([placed.id]), {
    since,
    expected: 1,
    topics: [Topics.NotificationSent],
  });
});

afterAll(async () => {
  // Back to the configuration the other suites expect (no webhook).
  await stopService('notification');
  await startService('notification');
  await waitReady('notification', { timeoutMs: 120_000 });
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
});

const leaks = (text: string): string[] =>
  [SECRET, webhookUrl, `${hostPort}/hooks`].filter((s) => text.includes(s));

test('the order was confirmed and its customer notified through the webhook', () => {
  expect(order.status).toBe('CONFIRMED');
  expect(received.filter((r) => r.orderId === order.id)).toEqual([
    expect.objectContaining({ orderId: order.id, to: EMAIL }),
  ]);
});

test('the order’s timeline (GET /orders/{id}) names the webhook by its reference, never its URL', async () => {
  const fresh = await getOrder(order.id);
  expect(leaks(JSON.stringify(fresh))).toEqual([]);
  const notified = fresh.timeline.filter((e) => e.type === Topics.NotificationSent);
  expect(notified).toHaveLength(1);
  expect(notified[0]?.detail).toBe(`customer told ORDER_CONFIRMED via WEBHOOK to ${REFERENCE}`);
});

test('GET /notifications records the reference as the recipient, never the URL', async () => {
  const res = await fetch(`${NOTIFICATION_API}/notifications?orderId=${order.id}`, {
    headers: await adminHeaders(),
  });
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(leaks(text)).toEqual([]);
  const { notifications } = JSON.parse(text) as { notifications: { channel: string; recipient: string }[] };
  expect(notifications).toEqual([expect.objectContaining({ channel: 'WEBHOOK', recipient: REFERENCE })]);
});

test('the notification_sent event on Kafka carries the reference, never the URL (value bytes and headers)', async () => {
  expect(sent).toHaveLength(1);
  const [message] = sent;
  expect(leaks(message!.value.toString('latin1'))).toEqual([]);
  expect(leaks(JSON.stringify(message!.headers))).toEqual([]);
  const { event } = await decodeSagaMessage(message!);
  expect(event).toMatchObject({ orderId: order.id, channel: 'WEBHOOK', recipient: REFERENCE });
});

test('the notification service’s log names the webhook, and shows neither its URL nor the customer’s email or name', () => {
  const log = logSinceStart();
  expect(log).toContain(REFERENCE);
  expect(leaks(log)).toEqual([]);
  expect(log).not.toContain(EMAIL);
  expect(log).not.toContain(NAME);
});
