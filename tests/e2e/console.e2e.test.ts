// The saga console against the real stack, in headless Chromium: an order placed through the generated
// client reaches its final state on the page, its journey shows all four services' events decoded with
// their schema versions, and a dead-lettered event is replayed from the page. Screenshots:
// .test-results/console/e2e-*.png. Starts the console (npm run services -- console up) unless it answers.
import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient } from '@orderflow/codec';
import { inventoryUpdated, Topics } from '@orderflow/contracts';
import { CONSOLE, isAnswering, portOf, stopService } from '@orderflow/stack';
import type { Browser, Page } from 'puppeteer-core';
import { attributes, launch, screenshot, signIn, waitForText } from '../../services/console/test/browser';
import { adminHeaders } from '../support/auth';
import { probeKafka } from '../support/topic-probe';
import { DECLINING_TOKEN, REGISTRY_URL, orderRequest, placeOrder, waitForOrder } from './support/saga';
import { npmRun } from './support/services';

jest.setTimeout(180_000);

const url = `http://127.0.0.1:${portOf(CONSOLE.name)}`;
let startedConsole = false;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!(await isAnswering(CONSOLE.name))) {
    npmRun(['services', '--', 'console', 'up']);
    startedConsole = true;
  }
  browser = await launch();
  page = await browser.newPage();
  await signIn(page, url, (await adminHeaders()).authorization.slice('Bearer '.length));
});

afterAll(async () => {
  await browser?.close();
  if (startedConsole) await stopService(CONSOLE.name);
});

test('an order placed through the generated client reaches CONFIRMED on the page; its journey spans the four services', async () => {
  const order = await placeOrder(orderRequest());
  await page.goto(`${url}/#orders`, { waitUntil: 'load' });
  // The page polls every 2 s; the tracker confirms within seconds.
  await page.waitForSelector(`tr[data-order-id="${order.id}"][data-status="CONFIRMED"]`, { timeout: 60_000 });
  expect((await waitForOrder(order.id)).status).toBe('CONFIRMED');
  await page.click(`tr[data-order-id="${order.id}"]`);
  await page.waitForSelector(`.journey[data-order-id="${order.id}"][data-completed="true"]`, {
    timeout: 30_000,
  });
  for (const [lane, topic] of [
    ['order', Topics.OrderCreated],
    ['payment', Topics.PaymentSuccessful],
    ['inventory', Topics.InventoryUpdated],
    ['notification', Topics.NotificationSent],
  ] as const) {
    await page.waitForSelector(`.lane[data-lane="${lane}"] .event[data-topic="${topic}"]`);
    // A registry version, not "?": the schema id resolved to its subject's version.
    const [version] = await attributes(
      page,
      `.lane[data-lane="${lane}"] .event[data-topic="${topic}"]`,
      'data-schema-version',
    );
    expect(Number(version)).toBeGreaterThanOrEqual(1);
    await waitForText(page, `.lane[data-lane="${lane}"] .schema-version`, `${topic}-value v`);
  }
  await page.click('.lane[data-lane="order"] .event summary');
  await waitForText(page, '.lane[data-lane="order"] pre.json', `"orderId": "${order.id}"`);
  await screenshot(page, 'e2e-journey');
});

test('a dead-lettered event shows on the page and replays from it', async () => {
  // A declined order, then a RESERVED inventory_updated for it: valid bytes the order tracker refuses as
  // inconsistent (PermanentEventError:INCONSISTENT_EVENT) and dead-letters; the replay re-validates and
  // resends it (and the tracker dead-letters the copy again: the point is the replay path, not a fix).
  const declined = await placeOrder(orderRequest({ paymentToken: DECLINING_TOKEN }));
  const final = await waitForOrder(declined.id);
  expect(final.status).toBe('PAYMENT_FAILED');
  const codec = inventoryUpdated.codec(new SchemaRegistryClient({ url: REGISTRY_URL }));
  const event = {
    eventId: randomUUID(),
    occurredAt: new Date(),
    orderId: declined.id,
    status: 'RESERVED' as const,
    reservationId: randomUUID(),
    shortLines: [],
    paymentId: randomUUID(),
    amountMinor: final.amountMinor,
    currency: final.currency,
    customer: { id: final.customer.id, email: final.customer.email, name: final.customer.name ?? null },
  };
  const producer = probeKafka().producer();
  await producer.connect();
  try {
    await producer.send({
      topic: Topics.InventoryUpdated,
      acks: -1,
      messages: [
        {
          key: declined.id,
          value: await codec.encode(event),
          headers: { 'correlation-id': `console-e2e-${declined.id}` },
        },
      ],
    });
  } finally {
    await producer.disconnect();
  }

  // The journey shows the dead letter (the console reads the DLTs too).
  await page.goto(`${url}/#orders/${declined.id}`, { waitUntil: 'load' });
  await page.waitForSelector(
    `.journey[data-order-id="${declined.id}"] .dead-letter[data-topic="inventory_updated.DLT"]`,
    {
      timeout: 60_000,
    },
  );
  await waitForText(page, '.journey .dead-letter', 'INCONSISTENT_EVENT');
  const [where] = await attributes(
    page,
    `.journey[data-order-id="${declined.id}"] .dead-letter[data-topic="inventory_updated.DLT"]`,
    'data-offset',
  );
  await screenshot(page, 'e2e-dead-letter-in-journey');

  // The dead-letters view: show inventory_updated.DLT, replay that message.
  await page.goto(`${url}/#dead-letters`, { waitUntil: 'load' });
  await page.waitForSelector('tr.dlt-row[data-dlt="inventory_updated.DLT"] button.show', { timeout: 30_000 });
  await page.click('tr.dlt-row[data-dlt="inventory_updated.DLT"] button.show');
  const message = `.dlt-message[data-offset="${where}"]`;
  await page.waitForSelector(`${message} button.replay`, { timeout: 60_000 });
  await screenshot(page, 'e2e-dead-letters');
  await page.click(`${message} button.replay`);
  await waitForText(page, '#status', `inventory_updated.DLT ${where} replayed`, 60_000);
  await page.waitForSelector(`.dlt-message.replayed[data-offset="${where}"]`, { timeout: 60_000 });
  await screenshot(page, 'e2e-replayed');

  // Recorded like `npm run dlt -- replay`: a second replay of it sends nothing.
  const again = await fetch(`${url}/api/dead-letters/inventory_updated/replay`, {
    method: 'POST',
    headers: { ...(await adminHeaders()), 'content-type': 'application/json' },
    body: JSON.stringify({ offset: where }),
  });
  expect(await again.json()).toMatchObject({ outcomes: [{ result: 'already replayed' }] });
  // The order stays where the saga left it.
  expect((await waitForOrder(declined.id)).status).toBe('PAYMENT_FAILED');
});
